package dev.phalanx.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses the proxy makes itself: one JSON line {@code {"status": N, "error": "...", "requestId": "..."}}
 * (docs/contract.md#status-codes-it-makes-itself).
 */
public final class ErrorResponses {
    private ErrorResponses() {
    }

    public static FullHttpResponse json(ByteBufAllocator alloc, HttpResponseStatus status, String error,
                                        String requestId, boolean close) {
        StringBuilder sb = new StringBuilder(96);
        sb.append("{\"status\": ").append(status.code()).append(", \"error\": \"");
        appendEscaped(sb, error);
        sb.append("\", \"requestId\": \"");
        appendEscaped(sb, requestId == null ? "" : requestId);
        sb.append("\"}\n");
        ByteBuf body = alloc.buffer(sb.length());
        body.writeCharSequence(sb, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (requestId != null && !requestId.isEmpty()) {
            response.headers().set("x-request-id", requestId);
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    private static void appendEscaped(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
    }
}
