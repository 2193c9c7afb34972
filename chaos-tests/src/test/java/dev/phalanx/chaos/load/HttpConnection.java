package dev.phalanx.chaos.load;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A plain HTTP/1.1 keep-alive client connection that never retries: one request at a time, Content-Length or
 * chunked bodies, and it honours {@code Connection: close}. What a simple client sees is what the tests count.
 */
public final class HttpConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final long openedAtMicros;
    private boolean open = true;

    public record Response(int status, boolean keepAlive, int bodyBytes, String body) {
    }

    private HttpConnection(Socket socket, long openedAtMicros) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = socket.getOutputStream();
        this.openedAtMicros = openedAtMicros;
    }

    public static HttpConnection open(String host, int port, int connectTimeoutMs, int readTimeoutMs) throws IOException {
        long t = Clock.micros();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(readTimeoutMs);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMs);
            return new HttpConnection(s, t);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    public long openedAtMicros() {
        return openedAtMicros;
    }

    public boolean isOpen() {
        return open;
    }

    /** Sends a GET and reads the whole response; on any error the connection is closed and the error thrown. */
    public Response get(String path, String hostHeader) throws IOException {
        try {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: phalanx-chaos\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.")) {
                throw new IOException("bad status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = statusLine.startsWith("HTTP/1.0");
            for (String h = line(); !h.isEmpty(); h = line()) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    throw new IOException("bad header line: " + h);
                }
                String name = h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                    case "connection" -> close = close || value.toLowerCase(java.util.Locale.ROOT).contains("close");
                    default -> { }
                }
            }
            byte[] body = chunked ? chunked() : length >= 0 ? in.readNBytes((int) length) : in.readAllBytes();
            if (length >= 0 && body.length != length) {
                throw new IOException("body ended after " + body.length + " of " + length + " bytes");
            }
            if (close || (length < 0 && !chunked)) {
                close();
            }
            return new Response(status, open, body.length, new String(body, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
    }

    private byte[] chunked() throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            String size = line();
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                while (!line().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            body.writeBytes(in.readNBytes(n));
            line();
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException(sb.length() == 0 ? "connection closed by peer" : "connection closed mid-line");
            }
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            if (sb.length() > 16384) {
                throw new IOException("line longer than 16 KiB");
            }
            sb.append((char) b);
        }
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
