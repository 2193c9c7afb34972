package dev.phalanx.node.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * A plain HTTP/1.1 keep-alive client as most libraries behave, and nothing more forgiving: it keeps a small pool of
 * connections, checks that a pooled connection was not closed by the server before reusing it (a non-blocking read
 * that sees the FIN), honours {@code Connection: close}, and never retries: a request whose bytes went out and
 * got no complete response is a failure. Not thread-safe: one per load thread.
 */
public final class KeepAliveClient implements AutoCloseable {
    /** How one request ended. */
    public enum Outcome {
        /** A complete response; {@link Result#status} has its status. */
        RESPONSE,
        /** No connection could be opened (the listener was closed): nothing was sent. */
        REFUSED,
        /** Sent (at least in part) and no complete response came: what a drain must never cause. */
        FAILED
    }

    /** @param body the response body as text (responses here are small), "" when there was none */
    public record Result(Outcome outcome, int status, boolean connectionClose, boolean newConnection, String body,
                         String error) {
    }

    private final InetSocketAddress server;
    private final int poolSize;
    private final ArrayDeque<SocketChannel> idle = new ArrayDeque<>();
    private int opened;
    private int staleDiscarded;

    public KeepAliveClient(int port, int poolSize) {
        this.server = new InetSocketAddress("127.0.0.1", port);
        this.poolSize = poolSize;
    }

    /** Connections this client opened. */
    public int opened() {
        return opened;
    }

    /** Pooled connections found closed by the server before reuse (and so not used). */
    public int staleDiscarded() {
        return staleDiscarded;
    }

    /** Sends {@code GET path} on a pooled connection (or a new one) and reads the whole response. */
    public Result get(String path) {
        SocketChannel ch = pooled();
        boolean fresh = ch == null;
        if (fresh) {
            try {
                ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().setSoTimeout(10_000);
                ch.connect(server);
                opened++;
            } catch (ConnectException e) {
                closeQuietly(ch);
                return new Result(Outcome.REFUSED, 0, false, true, "", e.toString());
            } catch (IOException e) {
                closeQuietly(ch);
                return new Result(Outcome.FAILED, 0, false, true, "", "connect: " + e);
            }
        }
        try {
            ch.socket().getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: drain.test\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Response r = read(ch);
            if (r.close || idle.size() >= poolSize) {
                ch.close();
            } else {
                idle.push(ch);
            }
            return new Result(Outcome.RESPONSE, r.status, r.close, fresh, r.body, null);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            return new Result(Outcome.FAILED, 0, false, fresh, "", e.toString());
        }
    }

    /** The most recently used idle connection the server has not closed; stale ones are dropped. */
    private SocketChannel pooled() {
        ByteBuffer probe = ByteBuffer.allocate(1);
        SocketChannel ch;
        while ((ch = idle.poll()) != null) {
            try {
                ch.configureBlocking(false);
                int n = ch.read(probe);
                ch.configureBlocking(true);
                if (n == 0) {
                    return ch;
                }
            } catch (IOException e) {
                // reset by the server: stale as well
            }
            staleDiscarded++;
            closeQuietly(ch);
        }
        return null;
    }

    private record Response(int status, boolean close, String body) {
    }

    /** Reads one response: status line, head, then a Content-Length or chunked body (a 204/304 has none). */
    private static Response read(SocketChannel ch) throws IOException {
        Reader in = new Reader(ch);
        String statusLine = in.line();
        if (!statusLine.startsWith("HTTP/1.1 ") && !statusLine.startsWith("HTTP/1.0 ")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = statusLine.startsWith("HTTP/1.0");
        for (String h; !(h = in.line()).isEmpty(); ) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.endsWith("chunked");
                case "connection" -> close = value.contains("close") || (close && !value.contains("keep-alive"));
                default -> { }
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size; (size = Long.parseLong(in.line().split(";")[0].trim(), 16)) > 0; ) {
                in.copy(size, body);
                in.line();
            }
            while (!in.line().isEmpty()) {
                // trailers
            }
        } else if (length > 0) {
            in.copy(length, body);
        } else if (length < 0 && status != 204 && status != 304) {
            throw new IOException("a response without length (close-delimited) is not expected here");
        }
        if (in.buffered() > 0) {
            throw new IOException(in.buffered() + " bytes after the response");
        }
        return new Response(status, close, body.toString(StandardCharsets.UTF_8));
    }

    /** Buffered byte reader over the channel's socket stream (which honours SO_TIMEOUT, unlike the channel). */
    private static final class Reader {
        private final InputStream in;
        private final byte[] buf = new byte[8192];
        private int pos;
        private int end;

        Reader(SocketChannel ch) throws IOException {
            this.in = ch.socket().getInputStream();
        }

        int buffered() {
            return end - pos;
        }

        private byte next() throws IOException {
            if (pos == end) {
                int n = in.read(buf);
                if (n < 0) {
                    throw new IOException("connection closed before the response ended");
                }
                pos = 0;
                end = n;
            }
            return buf[pos++];
        }

        String line() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte b; (b = next()) != '\n'; ) {
                if (b != '\r') {
                    out.write(b);
                }
            }
            return out.toString(StandardCharsets.US_ASCII);
        }

        void copy(long n, ByteArrayOutputStream to) throws IOException {
            for (long i = 0; i < n; i++) {
                to.write(next());
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        idle.forEach(KeepAliveClient::closeQuietly);
        idle.clear();
    }
}
