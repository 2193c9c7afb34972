package dev.phalanx.node.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.HttpConversionUtil;
import java.util.List;

/**
 * HTTP2_STREAM_ADAPTER: makes a stream's request look like what the HTTP/1.1 path expects, and its response what
 * the HTTP/2 encoder accepts. Inbound: the converter's own {@code x-http2-*} headers are dropped (they must not
 * reach the upstream), a {@code Host} equal to {@code :authority} is folded into one (the conversion refuses a
 * differing one: PROTOCOL_ERROR, RFC 9113 §8.3.1), and a request that ended with its HEADERS
 * frame is split into head and empty last content, as the HTTP/1.1 decoder would emit it. Outbound: an interim
 * (1xx) response becomes the full response the encoder wants, and the empty content that ends it is dropped.
 */
public final class Http2StreamAdapter extends ChannelDuplexHandler {
    private boolean inInterim;
    private ChannelHandlerContext ctx;
    /** Completes when the last piece of the response went out (DATA is written when flow control lets it). */
    private ChannelFuture responseWritten;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Resets the stream with NO_ERROR once the response is out (RFC 9113 §8.1): the response ended before the
     * request did (an early 413 or error), and the client should stop sending its body. Resetting at once would
     * drop the response's DATA still waiting for flow control.
     */
    public void resetAfterResponse() {
        if (responseWritten == null) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            return;
        }
        responseWritten.addListener(f -> {
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        HttpHeaders h = request.headers();
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.PATH.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_DEPENDENCY_ID.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_WEIGHT.text());
        foldHost(h);
        if (msg instanceof FullHttpRequest full) {
            HttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), h);
            head.setDecoderResult(full.decoderResult());
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static void foldHost(HttpHeaders h) {
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() == 2 && hosts.get(0).equalsIgnoreCase(hosts.get(1))) {
            h.set(HttpHeaderNames.HOST, hosts.get(0));
        }
    }

    /**
     * A stream error the codecs found (Content-Length that disagrees with the DATA, a request the conversion to
     * HTTP/1.1 refuses...): the stream would be closed, that is reset with CANCEL; reset it with the error's own
     * code first (RFC 9113 §8.1.1: malformed is PROTOCOL_ERROR).
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause;
        while (c != null && !(c instanceof Http2Exception)) {
            c = c.getCause(); // the stream codec wraps what the conversion threw in a DecoderException
        }
        if (c != null && ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(((Http2Exception) c).error()));
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && !(msg instanceof FullHttpResponse)) {
            int code = response.status().code();
            if (code >= 100 && code < 200) {
                inInterim = true;
                FullHttpResponse full = new DefaultFullHttpResponse(response.protocolVersion(), response.status(),
                        Unpooled.EMPTY_BUFFER, response.headers(), EmptyHttpHeaders.INSTANCE);
                ctx.write(full, promise);
                return;
            }
        }
        if (inInterim && msg instanceof HttpContent content) {
            // an interim response has no body: only its (empty) end comes
            if (content instanceof LastHttpContent) {
                inInterim = false;
            }
            content.release();
            promise.trySuccess();
            return;
        }
        if (msg instanceof LastHttpContent) {
            promise = promise.unvoid();
            responseWritten = promise;
        }
        ctx.write(msg, promise);
    }
}
