package dev.phalanx.node.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * An upstream connection's HTTP/1.1 codec: Netty's request encoder and response decoder, paired as in Netty's
 * {@code HttpClientCodec} for what the proxy sends (a response to {@code HEAD} has no body; an interim 1xx is not
 * the answer to a request; CONNECT is never forwarded). Unlike that codec, the response decoder takes the field
 * names backends send on most responses from constants instead of allocating a new name per field: a measurable
 * part of the per-request cost (allocation and hashing of each name).
 */
final class UpstreamCodec extends CombinedChannelDuplexHandler<UpstreamCodec.ResponseDecoder,
        UpstreamCodec.RequestEncoder> {
    static final int MAX_STATUS_LINE = 8192;
    static final int MAX_HEADER_BYTES = 65536;
    static final int MAX_CHUNK = 65536;

    /**
     * Field names most responses carry, spelled as most backends send them (names are case-insensitive; HTTP/2
     * clients get them in lower case anyway), grouped by length.
     */
    private static final AsciiString[][] COMMON_BY_LENGTH = byLength("Date", "Server", "Content-Type",
            "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding", "Cache-Control", "Last-Modified", "ETag",
            "Accept-Ranges", "Vary", "Expires", "Content-Encoding", "Set-Cookie", "Location", "Age",
            "Access-Control-Allow-Origin", "X-Content-Type-Options", "Strict-Transport-Security");

    /** Methods of the requests sent and not yet answered, oldest first. */
    private final ArrayDeque<HttpMethod> awaiting = new ArrayDeque<>(2);

    UpstreamCodec() {
        init(new ResponseDecoder(), new RequestEncoder());
    }

    private static AsciiString[][] byLength(String... names) {
        int max = 0;
        for (String n : names) {
            max = Math.max(max, n.length());
        }
        AsciiString[][] table = new AsciiString[max + 1][];
        for (String n : names) {
            AsciiString[] same = table[n.length()];
            AsciiString[] grown = same == null ? new AsciiString[1] : Arrays.copyOf(same, same.length + 1);
            grown[grown.length - 1] = AsciiString.cached(n);
            table[n.length()] = grown;
        }
        return table;
    }

    /** The constant for a common field name written in any case, or null. */
    static AsciiString common(byte[] bytes, int start, int length) {
        if (length >= COMMON_BY_LENGTH.length || COMMON_BY_LENGTH[length] == null) {
            return null;
        }
        for (AsciiString candidate : COMMON_BY_LENGTH[length]) {
            byte[] name = candidate.array(); // cached constants start at offset 0
            int i = 0;
            while (i < length && lower(bytes[start + i]) == lower(name[i])) {
                i++;
            }
            if (i == length) {
                return candidate;
            }
        }
        return null;
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }

    final class RequestEncoder extends HttpRequestEncoder {
        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest request) {
                awaiting.add(request.method());
            }
            super.encode(ctx, msg, out);
        }
    }

    /**
     * Bytes the response decoder holds that no response has claimed: a backend sent more than its last answer
     * framed (a body after a {@code 304}, say). The next answer on this connection would be read behind them.
     */
    int unclaimedBytes() {
        return inboundHandler().unclaimed();
    }

    final class ResponseDecoder extends HttpResponseDecoder {
        int unclaimed() {
            return actualReadableBytes();
        }

        ResponseDecoder() {
            super(new HttpDecoderConfig().setMaxInitialLineLength(MAX_STATUS_LINE).setMaxHeaderSize(MAX_HEADER_BYTES)
                    .setMaxChunkSize(MAX_CHUNK)
                    .setTrailersFactory(new CompactTrailers(DefaultHttpHeadersFactory.trailersFactory())));
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            if (((HttpResponse) msg).status().code() < 200) {
                return super.isContentAlwaysEmpty(msg); // interim: the final answer is still to come
            }
            HttpMethod method = awaiting.poll(); // null when a backend answers more than it was asked
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString known = common(sb, start, length);
            return known != null ? known : super.splitHeaderName(sb, start, length);
        }
    }
}
