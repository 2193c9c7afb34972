package dev.phalanx.node.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Sends raw bytes to 127.0.0.1:port and reads what comes back until the peer closes or a quiet period passes. */
public final class RawHttp {
    private RawHttp() {
    }

    public static String exchange(int port, String raw, int quietMillis) {
        return exchange(port, raw.getBytes(StandardCharsets.ISO_8859_1), quietMillis);
    }

    public static String exchange(int port, byte[] raw, int quietMillis) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(quietMillis);
            OutputStream out = s.getOutputStream();
            out.write(raw);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException quiet) {
                // nothing more within the quiet period
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Status codes of every response in a raw response stream, in order. */
    public static java.util.List<Integer> statuses(String responses) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("HTTP/1\\.[01] (\\d{3}) ").matcher(responses);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }
}
