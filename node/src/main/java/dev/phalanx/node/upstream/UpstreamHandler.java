package dev.phalanx.node.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of an upstream pipeline: hands decoded response parts to the connection's current
 * {@link UpstreamListener}, and closes connections that misbehave while idle in the pool.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamConnection connection;

    UpstreamHandler(UpstreamConnection connection) {
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener listener = connection.listener();
        if (listener == null || !(msg instanceof HttpObject obj)) {
            // nothing was asked of an idle connection: whatever it says, it is not reusable
            ReferenceCountUtil.release(msg);
            connection.close();
            return;
        }
        if (obj.decoderResult().isFailure()) {
            Throwable cause = obj.decoderResult().cause();
            ReferenceCountUtil.release(msg);
            connection.close();
            listener.onFailure(connection, UpstreamFailure.PROTOCOL, cause);
            return;
        }
        if (msg instanceof HttpResponse response) {
            listener.onResponseHead(connection, response);
            if (msg instanceof HttpContent content) {
                // a full response in one message; the head was handed over, the content follows
                if (connection.listener() != null) {
                    connection.listener().onResponseContent(connection, content, content instanceof LastHttpContent);
                } else {
                    content.release();
                }
            }
        } else if (msg instanceof HttpContent content) {
            listener.onResponseContent(connection, content, content instanceof LastHttpContent);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener listener = connection.listener();
        if (listener != null) {
            listener.onReadComplete(connection);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener listener = connection.listener();
        if (listener != null && ctx.channel().isWritable()) {
            listener.onWritable(connection);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamListener listener = connection.listener();
        if (listener != null && !connection.isClosing()) {
            connection.close();
            listener.onFailure(connection, UpstreamFailure.RESET, null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (connection.listener() == null) {
                connection.close(); // idle in the pool for too long
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamListener listener = connection.listener();
        connection.close();
        if (listener != null) {
            listener.onFailure(connection, UpstreamFailure.RESET, cause);
        }
    }
}
