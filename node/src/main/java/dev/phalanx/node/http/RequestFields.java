package dev.phalanx.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Iterator;
import java.util.Map;

/**
 * The fields {@link RequestChecks} judges a request head by (Host, Content-Length, Transfer-Encoding,
 * Sec-WebSocket-Key1), counted in one pass with the first value of each: asking for each name's list would look it
 * up and build a list every time, for every request.
 */
final class RequestFields {
    int hosts;
    String host;
    int contentLengths;
    String contentLength;
    int transferEncodings;
    String transferEncoding;
    boolean webSocketKey1;

    static RequestFields of(HttpHeaders headers) {
        RequestFields f = new RequestFields();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            switch (name.length()) {
                case 4 -> {
                    if (HttpHeaderNames.HOST.contentEqualsIgnoreCase(name) && f.hosts++ == 0) {
                        f.host = e.getValue().toString();
                    }
                }
                case 14 -> {
                    if (HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name) && f.contentLengths++ == 0) {
                        f.contentLength = e.getValue().toString();
                    }
                }
                case 17 -> {
                    if (HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                            && f.transferEncodings++ == 0) {
                        f.transferEncoding = e.getValue().toString();
                    }
                }
                case 18 -> f.webSocketKey1 |= HttpHeaderNames.SEC_WEBSOCKET_KEY1.contentEqualsIgnoreCase(name);
                default -> {
                }
            }
        }
        return f;
    }
}
