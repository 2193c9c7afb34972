package dev.phalanx.node.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads the request-smuggling corpus ({@code /smuggling/cases.txt} on the test class path): raw downstream bytes,
 * the responses the proxy must give and the requests the backend may see. The same cases run against the
 * handlers alone ({@code SmugglingCorpusTest}) and can run against a whole node with a real backend.
 *
 * <p>File format, one block per case, blocks start with {@code case:}; lines starting with {@code #} are comments:
 * <pre>
 * case: cl-te                       unique name
 * why: text                         what the case is about
 * raw: POST / HTTP/1.1\r\n          bytes, escapes \r \n \t \0 \\ \xHH; several raw lines are concatenated,
 * raw-repeat: 5000 a                the file's own line breaks are not part of the bytes; repeat N times
 * expect: forward 400               the responses in order: "forward" = answered by the backend, or a status
 * backend: POST /a body="hi\r\n"    one line per request the backend sees, in order (none = nothing)
 * backend: POST /b aborted          the head went upstream but its body was cut off: never a complete request
 * caught-by: guard                  which layer rejects: guard | codec | validator | none (only for the handler test)
 * netty-alone: reject               what Netty's decoder alone does with it: reject | accept
 * </pre>
 * The cases assume {@code limits.maxHeaderBytes = 16384} and that the backend answers every complete request.
 */
public final class SmugglingCorpus {
    public static final String RESOURCE = "/smuggling/cases.txt";
    public static final String FORWARD = "forward";

    /** One request as the backend sees it; {@code body} is null when it was cut off ({@code aborted}). */
    public record BackendRequest(String method, String uri, byte[] body) {
        public boolean complete() {
            return body != null;
        }

        @Override
        public String toString() {
            return method + " " + uri + (body == null ? " aborted" : " body=\"" + escape(body) + "\"");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BackendRequest r && r.method.equals(method) && r.uri.equals(uri)
                    && Arrays.equals(r.body, body);
        }

        @Override
        public int hashCode() {
            return method.hashCode() * 31 + uri.hashCode();
        }
    }

    /**
     * One case.
     *
     * @param expect  the responses in order: {@link #FORWARD} or a status code such as "400"
     * @param closes  whether the proxy must close the connection after the last response (after any rejection)
     */
    public record Case(String name, String why, byte[] raw, List<String> expect, List<BackendRequest> backend,
                       String caughtBy, String nettyAlone) {
        public boolean closes() {
            return expect.stream().anyMatch(e -> !e.equals(FORWARD));
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private SmugglingCorpus() {
    }

    public static List<Case> load() {
        try (InputStream in = SmugglingCorpus.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Case> parse(String text) {
        List<Case> cases = new ArrayList<>();
        Builder b = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].stripTrailing();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(RESOURCE + " line " + (i + 1) + ": expected 'key: value'");
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            if (key.equals("case")) {
                if (b != null) {
                    cases.add(b.build());
                }
                b = new Builder(value);
                continue;
            }
            if (b == null) {
                throw new IllegalArgumentException(RESOURCE + " line " + (i + 1) + ": '" + key + "' before any case:");
            }
            switch (key) {
                case "why" -> b.why = value;
                case "raw" -> b.raw.writeBytes(unescape(line.substring(colon + 2 <= line.length() ? colon + 2 : colon + 1)));
                case "raw-repeat" -> {
                    int sp = value.indexOf(' ');
                    int n = Integer.parseInt(value.substring(0, sp));
                    byte[] unit = unescape(value.substring(sp + 1));
                    for (int k = 0; k < n; k++) {
                        b.raw.writeBytes(unit);
                    }
                }
                case "expect" -> b.expect = List.of(value.split("\\s+"));
                case "backend" -> b.backend.add(parseBackend(value));
                case "caught-by" -> b.caughtBy = value;
                case "netty-alone" -> b.nettyAlone = value;
                default -> throw new IllegalArgumentException(RESOURCE + " line " + (i + 1) + ": unknown key " + key);
            }
        }
        if (b != null) {
            cases.add(b.build());
        }
        return cases;
    }

    private static BackendRequest parseBackend(String value) {
        String[] parts = value.split(" ", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("backend line needs METHOD URI: " + value);
        }
        String rest = parts.length > 2 ? parts[2] : "body=\"\"";
        if (rest.equals("aborted")) {
            return new BackendRequest(parts[0], parts[1], null);
        }
        if (!rest.startsWith("body=\"") || !rest.endsWith("\"")) {
            throw new IllegalArgumentException("backend line: expected body=\"...\" or aborted: " + value);
        }
        return new BackendRequest(parts[0], parts[1], unescape(rest.substring(6, rest.length() - 1)));
    }

    /** Decodes \r \n \t \0 \\ \" and \xHH; every other character is taken as one ISO-8859-1 byte. */
    public static byte[] unescape(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                if (c > 0xFF) {
                    throw new IllegalArgumentException("non-Latin-1 character in " + s);
                }
                out.write(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '0' -> out.write(0);
                case '\\' -> out.write('\\');
                case '"' -> out.write('"');
                case 'x' -> {
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + s);
            }
        }
        return out.toByteArray();
    }

    /** The reverse of {@link #unescape}, for readable failure messages. */
    public static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte value : bytes) {
            int b = value & 0xFF;
            switch (b) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                default -> {
                    if (b < 0x20 || b >= 0x7F) {
                        sb.append(String.format("\\x%02x", b));
                    } else {
                        sb.append((char) b);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static final class Builder {
        final String name;
        String why = "";
        final ByteArrayOutputStream raw = new ByteArrayOutputStream();
        List<String> expect;
        final List<BackendRequest> backend = new ArrayList<>();
        String caughtBy = "none";
        String nettyAlone = "accept";

        Builder(String name) {
            this.name = name;
        }

        Case build() {
            if (expect == null || expect.isEmpty()) {
                throw new IllegalArgumentException("case " + name + " has no expect:");
            }
            for (String e : expect) {
                if (!e.equals(FORWARD) && !e.matches("[1-5][0-9][0-9]")) {
                    throw new IllegalArgumentException("case " + name + ": expect " + e + " is not forward or a status");
                }
            }
            if (raw.size() == 0) {
                throw new IllegalArgumentException("case " + name + " has no raw bytes");
            }
            return new Case(name, why, raw.toByteArray(), expect, List.copyOf(backend), caughtBy, nettyAlone);
        }
    }
}
