package dev.phalanx.node.listener;

import dev.phalanx.node.http.HstsHandler;
import dev.phalanx.node.http.Http2Codecs;
import dev.phalanx.node.http.Http2StreamAdapter;
import dev.phalanx.node.http.Http2StreamBodyWatch;
import dev.phalanx.node.http.PipelineNames;
import dev.phalanx.node.http.ProxyContext;
import dev.phalanx.node.http.ProxyHandler;
import dev.phalanx.node.http.RequestValidator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/** Builds the pipeline of one HTTP/2 stream's child channel (names and order in {@link PipelineNames}). */
@ChannelHandler.Sharable
final class Http2StreamInitializer extends ChannelInitializer<Channel> {
    private final ProxyContext context;
    private final HstsHandler hsts;

    /** @param hsts the listener's shared HSTS handler, or null */
    Http2StreamInitializer(ProxyContext context, HstsHandler hsts) {
        this.context = context;
        this.hsts = hsts;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.HTTP2_STREAM_CODEC, Http2Codecs.streamCodec());
        p.addLast(PipelineNames.HTTP2_STREAM_BODY_WATCH, new Http2StreamBodyWatch());
        p.addLast(PipelineNames.HTTP2_STREAM_ADAPTER, new Http2StreamAdapter());
        if (hsts != null) {
            p.addLast(PipelineNames.HSTS, hsts);
        }
        p.addLast(PipelineNames.REQUEST_VALIDATOR, new RequestValidator(context.meters()));
        p.addLast(PipelineNames.PROXY, ProxyHandler.forStream(context));
    }
}
