package dev.phalanx.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A backend on 127.0.0.1 that records the raw bytes of every request head (as they arrived, before any parser
 * normalised them) and body, and answers each with what {@code responder} returns for the head. After it answered
 * {@code 101}, it records whatever else the connection brings as tunnel bytes (so a test can see that no tunnel
 * traffic ever reached it). One thread per connection; for tests only.
 */
final class RawBackend implements AutoCloseable {
    /** A request as the backend received it: the head's text (lower-cased field names kept as sent) and body. */
    record Received(String head, String body) {
        boolean hasField(String name) {
            return head.toLowerCase(Locale.ROOT).contains("\r\n" + name.toLowerCase(Locale.ROOT) + ":");
        }

        /** The first value of a field, trimmed, or null. */
        String field(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain";

    private final ServerSocket server;
    private final Function<String, String> responder;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream tunnelBytes = new ByteArrayOutputStream();
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    RawBackend(Function<String, String> responder) {
        this.responder = responder;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        acceptor = new Thread(this::acceptLoop, "raw-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    List<Received> received() {
        return received;
    }

    /** Bytes that came after a 101 on any connection. */
    byte[] tunnelBytes() {
        synchronized (tunnelBytes) {
            return tunnelBytes.toByteArray();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                Thread t = new Thread(() -> serve(s), "raw-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                Received r = new Received(head, readBody(in, head));
                received.add(r);
                String answer = responder.apply(head);
                out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (answer.startsWith("HTTP/1.1 101")) {
                    byte[] buf = new byte[4096];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (tunnelBytes) {
                            tunnelBytes.write(buf, 0, n);
                        }
                    }
                    return;
                }
            }
        } catch (IOException e) {
            // the node closed the connection
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 4 || !sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static String readBody(InputStream in, String head) throws IOException {
        String length = new Received(head, "").field("content-length");
        if (length == null) {
            return "";
        }
        byte[] body = in.readNBytes(Integer.parseInt(length));
        return new String(body, StandardCharsets.ISO_8859_1);
    }

    /** Stops listening and closes every connection it accepted (a backend that went down). */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
