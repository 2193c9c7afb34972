package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.aayushatharva.brotli4j.decoder.BrotliInputStream;
import com.github.luben.zstd.ZstdInputStream;
import dev.phalanx.node.testsupport.NodeHarness;
import dev.phalanx.node.testsupport.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Response compression through a real node (h2c-capable listener) from a loopback backend: negotiation for each
 * coding, the head rewritten (Vary merged, ETag weakened, length dropped), what is left alone (small, already
 * compressed, no-transform, ranges, binary types, HEAD, a route with compression off), chunked and large streamed
 * bodies, HTTP/1.0 and HTTP/2 clients, the meters. Leaks are checked by the LeakGuard after the class.
 */
class CompressionIT {
    private static final String JSON = json(20_000);
    private static final String BIG = json(3_000_000);
    private static final String SMALL = "{\"ok\":true}";

    private static RawBackend backend;
    private static NodeHarness node;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    static String json(int size) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; sb.length() < size - 64; i++) {
            sb.append("{\"id\":").append(i).append(",\"name\":\"item ").append(i * 7919 % 1000)
                    .append("\",\"tags\":[\"a\",\"b\"]},\n");
        }
        return sb.append("{}]").toString();
    }

    private static String answer(String head) {
        String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
        String json = "Content-Type: application/json; charset=utf-8\r\n";
        return switch (path.replaceFirst("^/off", "")) {
            case "/json" -> "HTTP/1.1 200 OK\r\n" + json + "ETag: \"v1\"\r\nVary: Cookie\r\nAccept-Ranges: bytes\r\n"
                    + "Content-Length: " + JSON.length() + "\r\n\r\n" + JSON;
            case "/chunked" -> "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunked(JSON, 3000);
            case "/big" -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunked(BIG, 100_000);
            case "/small" -> "HTTP/1.1 200 OK\r\n" + json + "Content-Length: " + SMALL.length() + "\r\n\r\n" + SMALL;
            case "/gzipped" -> "HTTP/1.1 200 OK\r\n" + json + "Content-Encoding: gzip\r\nContent-Length: "
                    + JSON.length() + "\r\n\r\n" + JSON;
            case "/no-transform" -> "HTTP/1.1 200 OK\r\n" + json + "Cache-Control: public, no-transform\r\n"
                    + "Content-Length: " + JSON.length() + "\r\n\r\n" + JSON;
            case "/range" -> "HTTP/1.1 206 Partial Content\r\n" + json + "Content-Range: bytes 0-" + (JSON.length() - 1)
                    + "/" + (JSON.length() * 2) + "\r\nContent-Length: " + JSON.length() + "\r\n\r\n" + JSON;
            case "/png" -> "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " + JSON.length()
                    + "\r\n\r\n" + JSON;
            case "/vary-star" -> "HTTP/1.1 200 OK\r\n" + json + "Vary: *\r\nContent-Length: " + JSON.length()
                    + "\r\n\r\n" + JSON;
            default -> "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        };
    }

    private static String chunked(String body, int size) {
        StringBuilder sb = new StringBuilder();
        for (int off = 0; off < body.length(); off += size) {
            String piece = body.substring(off, Math.min(body.length(), off + size));
            sb.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
        }
        return sb.append("0\r\n\r\n").toString();
    }

    @BeforeAll
    static void start() {
        backend = new RawBackend(CompressionIT::answer);
        String routes = """
                routes:
                  - id: plain
                    match: { pathPrefix: /off/ }
                    pool: p
                    compression: false
                  - id: all
                    match: { pathPrefix: / }
                    pool: p
                    timeouts: { idle: 30s }
                pools:
                  - id: p
                    endpoints: [ "127.0.0.1:%d" ]
                """.formatted(backend.port());
        node = NodeHarness.start(routes, null, "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static HttpResponse<byte[]> get(String path, String acceptEncoding) throws Exception {
        return send("GET", path, acceptEncoding);
    }

    private static HttpResponse<byte[]> send(String method, String path, String acceptEncoding) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (acceptEncoding != null) {
            b.header("Accept-Encoding", acceptEncoding);
        }
        return CLIENT.send(b.build(), BodyHandlers.ofByteArray());
    }

    static byte[] decode(String coding, byte[] encoded) throws IOException {
        InputStream raw = new ByteArrayInputStream(encoded);
        try (InputStream in = switch (coding) {
            case "gzip" -> new GZIPInputStream(raw);
            case "br" -> new BrotliInputStream(raw);
            case "zstd" -> new ZstdInputStream(raw);
            default -> raw;
        }) {
            return in.readAllBytes();
        }
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private static void assertUntouched(HttpResponse<byte[]> r, String body) {
        assertNull(header(r, "content-encoding"), "not compressed");
        assertEquals(String.valueOf(body.length()), header(r, "content-length"));
        assertArrayEquals(body.getBytes(StandardCharsets.ISO_8859_1), r.body());
    }

    @Test
    void eachCodingIsNegotiatedAndDecodes() throws Exception {
        for (String coding : List.of("gzip", "br", "zstd")) {
            HttpResponse<byte[]> r = get("/json", coding);
            assertEquals(200, r.statusCode());
            assertEquals(coding, header(r, "content-encoding"));
            assertNull(header(r, "content-length"), "length dropped");
            assertNull(header(r, "accept-ranges"), "no ranges of a representation the origin does not have");
            assertEquals("Cookie, Accept-Encoding", header(r, "vary"));
            assertEquals("W/\"v1\"", header(r, "etag"));
            assertTrue(r.body().length < JSON.length() / 4, coding + " compressed to " + r.body().length);
            assertEquals(JSON, new String(decode(coding, r.body()), StandardCharsets.ISO_8859_1), coding);
            System.out.println("FIGURE compression " + coding + " " + JSON.length() + " -> " + r.body().length);
        }
    }

    @Test
    void preferenceAndQualities() throws Exception {
        assertEquals("zstd", header(get("/json", "gzip, deflate, br, zstd"), "content-encoding"));
        assertEquals("br", header(get("/json", "gzip, deflate, br"), "content-encoding"));
        assertEquals("gzip", header(get("/json", "br;q=0.5, gzip, zstd;q=0"), "content-encoding"));
        HttpResponse<byte[]> none = get("/json", "identity, zstd;q=0");
        assertUntouched(none, JSON);
        assertEquals("Cookie, Accept-Encoding", header(none, "vary"), "Vary also on the uncompressed variant");
        assertEquals("\"v1\"", header(none, "etag"));
        assertUntouched(get("/json", null), JSON);
    }

    @Test
    void chunkedAndLargeStreamedBodies() throws Exception {
        HttpResponse<byte[]> r = get("/chunked", "gzip");
        assertEquals("gzip", header(r, "content-encoding"));
        assertEquals("Accept-Encoding", header(r, "vary"));
        assertEquals(JSON, new String(decode("gzip", r.body()), StandardCharsets.ISO_8859_1));
        for (String coding : List.of("gzip", "br", "zstd")) {
            HttpResponse<byte[]> big = get("/big", coding);
            assertEquals(coding, header(big, "content-encoding"));
            assertTrue(Arrays.equals(BIG.getBytes(StandardCharsets.ISO_8859_1), decode(coding, big.body())),
                    coding + " 3 MB body intact");
        }
    }

    @Test
    void whatIsLeftAlone() throws Exception {
        assertUntouched(get("/small", "gzip"), SMALL);
        assertUntouched(get("/no-transform", "gzip"), JSON);
        assertUntouched(get("/png", "gzip"), JSON);
        assertUntouched(get("/off/json", "gzip, br, zstd"), JSON);
        assertEquals("Cookie", header(get("/off/json", "gzip"), "vary"), "a route with compression off adds no Vary");
        HttpResponse<byte[]> gz = get("/gzipped", "gzip, br");
        assertEquals("gzip", header(gz, "content-encoding"), "the origin's coding passes through");
        assertArrayEquals(JSON.getBytes(StandardCharsets.ISO_8859_1), gz.body(), "not compressed twice");
        HttpResponse<byte[]> range = get("/range", "gzip");
        assertEquals(206, range.statusCode());
        assertUntouched(range, JSON);
        HttpResponse<byte[]> star = get("/vary-star", "gzip");
        assertEquals("gzip", header(star, "content-encoding"));
        assertEquals("*", header(star, "vary"));
    }

    @Test
    void headIsNotCompressed() throws Exception {
        HttpResponse<byte[]> r = send("HEAD", "/json", "gzip");
        assertEquals(200, r.statusCode());
        assertNull(header(r, "content-encoding"));
        assertEquals(String.valueOf(JSON.length()), header(r, "content-length"));
        assertEquals("Cookie, Accept-Encoding", header(r, "vary"));
    }

    @Test
    void http10ClientGetsACloseDelimitedCompressedBody() throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /json HTTP/1.0\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] all = s.getInputStream().readAllBytes();
            int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = new String(all, 0, end, StandardCharsets.ISO_8859_1).toLowerCase();
            assertTrue(head.contains("content-encoding: gzip"), head);
            assertFalse(head.contains("content-length"), head);
            assertFalse(head.contains("transfer-encoding"), head);
            byte[] body = Arrays.copyOfRange(all, end + 4, all.length);
            assertEquals(JSON, new String(decode("gzip", body), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void http2ClientDecodesEachCoding() throws Exception {
        Path dir = Files.createTempDirectory("compression-it");
        try {
            for (String coding : List.of("gzip", "br", "zstd")) {
                Path out = dir.resolve(coding);
                Tools.Result r = Tools.curl("--http2-prior-knowledge", "-H", "accept-encoding: " + coding,
                        "-D", "-", "-o", out.toString(), node.url("/big"));
                assertEquals(0, r.exitCode(), r.stderr());
                assertTrue(r.stdout().startsWith("HTTP/2 200"), r.stdout());
                assertTrue(r.stdout().contains("content-encoding: " + coding), r.stdout());
                assertFalse(r.stdout().contains("content-length"), r.stdout());
                assertTrue(Arrays.equals(BIG.getBytes(StandardCharsets.ISO_8859_1),
                        decode(coding, Files.readAllBytes(out))), coding + " over HTTP/2");
            }
            Tools.Result c = Tools.curl("--http2-prior-knowledge", "--compressed", node.url("/chunked"));
            assertEquals(JSON, c.stdout(), "curl's own decoder agrees");
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.delete(dir);
        }
    }

    @Test
    void metersCountCompressedResponsesAndBytes() throws Exception {
        get("/json", "br");
        String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.adminAddress().getPort() + "/metrics")).build(), BodyHandlers.ofString()).body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("phalanx_compression_responses_total")
                && l.contains("encoding=\"br\"") && l.contains("route=\"all\"")), metrics);
        double in = value(metrics, "phalanx_compression_in_bytes_total", "br");
        double out = value(metrics, "phalanx_compression_out_bytes_total", "br");
        assertTrue(in >= JSON.length() && out > 0 && out < in / 4, in + " -> " + out);
    }

    private static double value(String metrics, String name, String encoding) {
        return metrics.lines().filter(l -> l.startsWith(name + "{") && l.contains("encoding=\"" + encoding + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static int indexOf(byte[] a, byte[] b) {
        outer:
        for (int i = 0; i <= a.length - b.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
