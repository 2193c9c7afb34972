package dev.phalanx.node.http;

import dev.phalanx.cluster.model.NodeConfig;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * Builds the downstream HTTP/2 handlers and holds their limits. Pipeline (names in {@link PipelineNames}):
 * <pre>
 *   connection:  HTTP2_CODEC {@link #frameCodec}  →  HTTP2_MULTIPLEX  →  HTTP2_CONNECTION {@link Http2ConnectionControl}
 *   each stream: HTTP2_STREAM_CODEC {@link #streamCodec()} → HTTP2_STREAM_ADAPTER {@link Http2StreamAdapter}
 *                → REQUEST_VALIDATOR → PROXY ({@link ProxyHandler#forStream})
 * </pre>
 * The abuse defences are Netty's, set here explicitly so that they are visible and tested
 * ({@code Http2AbuseIT}): concurrent streams, header list size, rapid reset (CVE-2023-44487), CONTINUATION floods,
 * queued control frames (SETTINGS/PING floods) and empty DATA frames.
 */
public final class Http2Codecs {
    /** SETTINGS_MAX_CONCURRENT_STREAMS: a stream past it is refused (RST_STREAM REFUSED_STREAM). */
    public static final int MAX_CONCURRENT_STREAMS = 128;
    /** SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a stream may have in flight before the proxy read them. */
    public static final int STREAM_WINDOW = 65_535;
    /** The connection's receive window (all streams together). */
    public static final int CONNECTION_WINDOW = 1 << 20;
    /** Rapid reset: more than this many RST_STREAM frames from the client ... */
    public static final int MAX_RST_FRAMES = 200;
    /** ... within this many seconds end the connection with GOAWAY (ENHANCE_YOUR_CALM). */
    public static final int RST_WINDOW_SECONDS = 30;
    /** Control frames (SETTINGS/PING acks, RST_STREAM) queued for a client that does not read: past it, GOAWAY. */
    public static final int MAX_QUEUED_CONTROL_FRAMES = 1_000;
    /** Empty DATA frames (without END_STREAM) in a row that end the connection. */
    public static final int MAX_CONSECUTIVE_EMPTY_DATA = 2;
    /** CONTINUATION frames with small fragments (a header block dripped in bytes) that end the connection. */
    public static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private Http2Codecs() {
    }

    /**
     * The connection's frame codec. {@code limits.maxHeaderBytes} is announced as SETTINGS_MAX_HEADER_LIST_SIZE: a
     * header list past it is answered 431 on its stream, one past 1.25 times it (or a header block that keeps
     * growing in CONTINUATION frames) ends the connection. {@code limits.drainTimeout} bounds how long a GOAWAY'd
     * connection waits for its streams.
     */
    public static Http2FrameCodec frameCodec(NodeConfig.LimitsConfig limits) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .initialWindowSize(STREAM_WINDOW)
                .maxHeaderListSize(limits.maxHeaderBytes()); // (a server may not send ENABLE_PUSH; it never pushes)
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .autoAckPingFrame(true)
                .autoAckSettingsFrame(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RST_FRAMES, RST_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA)
                .decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES)
                .gracefulShutdownTimeoutMillis(limits.drainTimeout().toMillis())
                .build();
    }

    /** A stream's frames to and from {@code HttpObject}s (requests come as HTTP/1.1 with Host from :authority). */
    public static Http2StreamFrameToHttpObjectCodec streamCodec() {
        return new Http2StreamFrameToHttpObjectCodec(true, true);
    }
}
