package dev.phalanx.node.http;

import dev.phalanx.node.metrics.Meters;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.function.Consumer;

/**
 * REQUEST_VALIDATOR: sits between the HTTP codec and the proxy handler and lets through only requests that passed
 * every check: decoder failures become 400/414/431, {@link RawRequestViolation}s from the raw guard 400,
 * {@link SlowRequest}s from the slow-client deadlines 408, and
 * {@link RequestChecks} covers Host, version, target and CONNECT (405).
 *
 * <p>After a rejection nothing more goes to the proxy handler: the rejected request (or the rest of its body) and
 * everything after it on the connection is released here, and reading stops. The error response keeps HTTP/1.1
 * order: it is written once the responses to the requests before it (pipelining) have been written in full,
 * then the connection closes. If the proxy handler already started answering the rejected request (its head went
 * through and the body broke later), the connection is closed instead, as a second response cannot follow;
 * the proxy handler sees {@code channelInactive}. Once the error response is written, writes from the proxy
 * handler are released and failed. One instance per connection; event-loop only.
 */
public final class RequestValidator extends ChannelDuplexHandler {
    private final Meters meters;
    private final Consumer<Rejection> onReject;

    /** Heads passed on to the proxy handler. */
    private int requestsForwarded;
    /** The last forwarded request's body is still arriving. */
    private boolean inBody;
    /** Final (non-1xx) response heads written by the proxy handler, and final responses written in full. */
    private int responsesStarted;
    private int responsesCompleted;
    /** The response head written last was an interim 1xx. */
    private boolean interim;

    private Rejection rejection;
    /** Index (0-based, in arrival order) of the rejected request. */
    private int rejectedIndex;
    private boolean rejectionAnswered;

    public RequestValidator(Meters meters) {
        this(meters, r -> {
        });
    }

    /** @param onReject called on the event loop for every rejection, e.g. to write an access-log line */
    public RequestValidator(Meters meters, Consumer<Rejection> onReject) {
        this.meters = meters;
        this.onReject = onReject;
    }

    /** The rejection on this connection, or null. */
    public Rejection rejection() {
        return rejection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejection != null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request) {
            Rejection problem = request.decoderResult().isFailure()
                    ? decoderRejection(request.decoderResult(), true) : RequestChecks.check(request);
            if (problem != null) {
                ReferenceCountUtil.release(msg);
                reject(ctx, problem, false);
                return;
            }
            requestsForwarded++;
            inBody = !(msg instanceof LastHttpContent);
        } else if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                reject(ctx, decoderRejection(content.decoderResult(), false), inBody);
                return;
            }
            if (msg instanceof LastHttpContent) {
                inBody = false;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof RawRequestViolation violation) {
            if (rejection == null) {
                reject(ctx, new Rejection(HttpResponseStatus.BAD_REQUEST, violation.reason(), Rejection.Source.GUARD,
                        RequestIds.next()), inBody);
            }
            return;
        }
        if (evt instanceof SlowRequest slow) {
            if (rejection == null) {
                reject(ctx, new Rejection(HttpResponseStatus.REQUEST_TIMEOUT, slow.reason(), Rejection.Source.DEADLINE,
                        RequestIds.next()), inBody);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (rejectionAnswered) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException());
            return;
        }
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            interim = code < 200 && code != 101;
            if (!interim) {
                responsesStarted++;
            }
        }
        boolean completes = false;
        if (msg instanceof LastHttpContent) {
            completes = !interim;
            interim = false;
        }
        ctx.write(msg, promise);
        if (completes) {
            responsesCompleted++;
            answerRejection(ctx);
        }
    }

    /**
     * @param headForwarded the rejected request's head already went to the proxy handler (its body broke)
     */
    private void reject(ChannelHandlerContext ctx, Rejection problem, boolean headForwarded) {
        rejection = problem;
        rejectedIndex = headForwarded ? requestsForwarded - 1 : requestsForwarded;
        inBody = false;
        meters.rejected(problem.status().code());
        onReject.accept(problem);
        ctx.channel().config().setAutoRead(false);
        answerRejection(ctx);
    }

    /** Writes the error response once every earlier response is out, or closes when that cannot be done. */
    private void answerRejection(ChannelHandlerContext ctx) {
        if (rejection == null || rejectionAnswered || responsesCompleted < rejectedIndex) {
            return;
        }
        rejectionAnswered = true;
        if (responsesStarted > rejectedIndex) {
            ctx.close();
            return;
        }
        ctx.writeAndFlush(ErrorResponses.json(ctx.alloc(), rejection.status(), rejection.reason(),
                rejection.requestId(), true)).addListener(ChannelFutureListener.CLOSE);
    }

    private static Rejection decoderRejection(DecoderResult result, boolean head) {
        Throwable cause = result.cause();
        HttpResponseStatus status;
        String reason;
        if (cause instanceof TooLongHttpLineException) {
            status = head ? HttpResponseStatus.REQUEST_URI_TOO_LONG : HttpResponseStatus.BAD_REQUEST;
            reason = head ? "request line longer than " + HttpCodecs.MAX_REQUEST_LINE_BYTES + " bytes"
                    : "chunk-size line too long";
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
            reason = head ? "request header fields too large" : "trailer fields too large";
        } else {
            status = HttpResponseStatus.BAD_REQUEST;
            reason = head ? "malformed request head" : "malformed chunked body";
        }
        return new Rejection(status, reason, Rejection.Source.CODEC, RequestIds.next());
    }
}
