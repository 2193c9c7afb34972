package dev.phalanx.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for the proxy handler and its backend in handler tests: records every request it is handed (method,
 * target, body, whether it completed), releases everything, and answers each complete request with
 * {@code 200 ok} and {@code x-backend: yes}, either at once or only when {@link #answerPending} is called (to
 * test pipelined requests whose responses come late).
 */
final class BackendRecorder extends ChannelInboundHandlerAdapter {
    static final String BACKEND_HEADER = "x-backend";

    private final boolean answerAtOnce;
    private final List<SmugglingCorpus.BackendRequest> complete = new ArrayList<>();
    private String method;
    private String uri;
    private ByteArrayOutputStream body;
    private int unanswered;
    private ChannelHandlerContext ctx;

    BackendRecorder(boolean answerAtOnce) {
        this.answerAtOnce = answerAtOnce;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                if (method != null) {
                    throw new AssertionError("a new request before the last one ended: " + request.uri());
                }
                method = request.method().name();
                uri = request.uri();
                body = new ByteArrayOutputStream();
            }
            if (msg instanceof HttpContent content) {
                if (method == null) {
                    throw new AssertionError("body bytes without a request");
                }
                ByteBuf bytes = content.content();
                body.writeBytes(ByteBufUtil.getBytes(bytes));
                if (msg instanceof LastHttpContent) {
                    complete.add(new SmugglingCorpus.BackendRequest(method, uri, body.toByteArray()));
                    method = null;
                    unanswered++;
                    if (answerAtOnce) {
                        answerPending();
                    }
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Writes the responses owed to complete requests, in order. */
    void answerPending() {
        while (unanswered > 0 && ctx.channel().isActive()) {
            unanswered--;
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(new byte[] {'o', 'k'}));
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2).set(BACKEND_HEADER, "yes");
            ctx.writeAndFlush(response);
        }
    }

    /** What the backend saw: complete requests, then the one cut off (body null), if any. */
    List<SmugglingCorpus.BackendRequest> seen() {
        List<SmugglingCorpus.BackendRequest> all = new ArrayList<>(complete);
        if (method != null) {
            all.add(new SmugglingCorpus.BackendRequest(method, uri, null));
        }
        return all;
    }
}
