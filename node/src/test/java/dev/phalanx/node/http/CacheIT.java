package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.testsupport.NodeHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The response cache through a real node from loopback backends (docs/cache.md): miss then hit with Age and
 * Cache-Status, HEAD from a stored GET, Vary, revalidation answered 304 upstream, request coalescing (100 concurrent
 * misses, one upstream request), stale-if-error with the backend stopped, invalidation by POST, an object too large
 * passing through, compressed variants made once. Leaks are checked by the LeakGuard after the class.
 */
class CacheIT {
    private static final String JSON = CompressionIT.json(20_000);
    private static final String LARGE = "x".repeat(50_000);
    /** Several 64 KiB pieces when served from the store. */
    private static final String BIG = CompressionIT.json(1_000_000);
    private static final AtomicInteger VERSION = new AtomicInteger(1);
    private static final AtomicInteger SWR = new AtomicInteger();

    private static RawBackend backend;
    private static RawBackend fragile;
    private static NodeHarness node;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private static String path(String head) {
        return head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
    }

    private static String answer(String head) {
        String path = path(head);
        String json = "Content-Type: application/json\r\n";
        RawBackend.Received r = new RawBackend.Received(head, "");
        if (head.startsWith("POST")) {
            return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        }
        return switch (path) {
            case "/fresh", "/inv", "/sie", "/purged", "/tagged/a", "/tagged/b" -> body("Cache-Control: max-age=60\r\n", "fresh " + VERSION.get());
            case "/vary" -> body("Cache-Control: max-age=60\r\nVary: Accept-Language\r\n",
                    "lang " + r.field("accept-language"));
            case "/etag" -> "\"v1\"".equals(r.field("if-none-match"))
                    ? "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nCache-Control: max-age=0\r\nX-Renewed: yes\r\n\r\n"
                    : body("Cache-Control: max-age=0\r\nETag: \"v1\"\r\n", "etag body");
            case "/slow" -> {
                sleep(1000);
                yield body("Cache-Control: max-age=60\r\n", "slow");
            }
            case "/swr" -> body("Cache-Control: max-age=1, stale-while-revalidate=30\r\n",
                    "swr " + SWR.incrementAndGet());
            case "/nostore" -> body("Cache-Control: no-store\r\n", "nostore");
            case "/large" -> body("Cache-Control: max-age=60\r\n", LARGE);
            case "/big" -> body("Cache-Control: max-age=60\r\nContent-Type: application/octet-stream\r\n", BIG);
            case "/bigjson" -> body("Cache-Control: max-age=60\r\n" + json, BIG);
            case "/json" -> "HTTP/1.1 200 OK\r\n" + json + "Cache-Control: max-age=60\r\nContent-Length: "
                    + JSON.length() + "\r\n\r\n" + JSON;
            default -> "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        };
    }

    private static String body(String fields, String body) {
        return "HTTP/1.1 200 OK\r\n" + fields + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @BeforeAll
    static void start() {
        backend = new RawBackend(CacheIT::answer);
        fragile = new RawBackend(h -> body("Cache-Control: max-age=1\r\n", "kept " + path(h)));
        String routes = """
                routes:
                  - id: fragile
                    match: { pathPrefix: /fragile/ }
                    pool: f
                    cache: { staleIfError: 1h }
                    retries: { attempts: 1 }
                  - id: small
                    match: { path: /large }
                    pool: p
                    cache: { maxObjectBytes: 10000 }
                  - id: all
                    match: { pathPrefix: / }
                    pool: p
                    cache: { coalesceWait: 10s }
                pools:
                  - id: p
                    endpoints: [ "127.0.0.1:%d" ]
                  - id: f
                    endpoints: [ "127.0.0.1:%d" ]
                """.formatted(backend.port(), fragile.port());
        node = NodeHarness.start(routes, "cache: { maxBytes: 10000000 }\n",
                "{ name: web, bind: \"127.0.0.1:0\", h2c: true }");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (fragile != null) {
            fragile.close();
        }
    }

    private static HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url(path))).timeout(Duration.ofSeconds(30))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("x")
                        : HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(b.build(), BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static long upstream(RawBackend b, String method, String path) {
        return b.received().stream().filter(r -> r.head().startsWith(method + " " + path + " ")).count();
    }

    private static String cacheStatus(HttpResponse<?> r) {
        return r.headers().firstValue("cache-status").orElse("");
    }

    @Test
    void missThenHitWithAgeAndHeadFromTheStoredGet() throws Exception {
        HttpResponse<byte[]> first = send("GET", "/fresh");
        assertEquals(200, first.statusCode());
        assertTrue(cacheStatus(first).startsWith("phalanx; fwd=uri-miss; fwd-status=200; stored"),
                cacheStatus(first));
        HttpResponse<byte[]> second = send("GET", "/fresh");
        assertEquals("fresh 1", text(second));
        assertEquals("phalanx; hit", cacheStatus(second));
        assertTrue(second.headers().firstValue("age").isPresent());
        HttpResponse<byte[]> head = send("HEAD", "/fresh");
        assertEquals(200, head.statusCode());
        assertEquals("phalanx; hit", cacheStatus(head));
        assertEquals("7", head.headers().firstValue("content-length").orElse(""));
        HttpResponse<byte[]> range = send("GET", "/fresh", "Range", "bytes=2-4");
        assertEquals(206, range.statusCode());
        assertEquals("esh", text(range));
        assertEquals("bytes 2-4/7", range.headers().firstValue("content-range").orElse(""));
        assertEquals(416, send("GET", "/fresh", "Range", "bytes=9-").statusCode());
        assertEquals(1, upstream(backend, "GET", "/fresh"));
        assertEquals(0, upstream(backend, "HEAD", "/fresh"));
        HttpResponse<byte[]> conditional = send("GET", "/nostore");
        send("GET", "/nostore");
        assertEquals(2, upstream(backend, "GET", "/nostore"), "no-store is never stored");
        assertTrue(cacheStatus(conditional).contains("fwd=uri-miss"));
    }

    @Test
    void hitsKeepTheConnectionOpen() throws Exception {
        send("GET", "/fresh");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(10_000);
            String req = "GET /fresh HTTP/1.1\r\nHost: 127.0.0.1:" + node.port() + "\r\n\r\n";
            s.getOutputStream().write((req + req).getBytes(StandardCharsets.US_ASCII)); // pipelined
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[4096];
            while (got.toString().split("fresh 1", -1).length < 3) {
                int n = s.getInputStream().read(buf);
                assertTrue(n > 0, "the node closed the connection after: " + got);
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
            assertTrue(!got.toString().toLowerCase(java.util.Locale.ROOT).contains("connection: close"), got.toString());
            assertEquals(2, got.toString().split("cache-status: phalanx; hit", -1).length - 1, got.toString());
        }
    }

    @Test
    void varyKeepsVariantsApart() throws Exception {
        assertEquals("lang en", text(send("GET", "/vary", "Accept-Language", "en")));
        assertEquals("lang de", text(send("GET", "/vary", "Accept-Language", "de")));
        HttpResponse<byte[]> en = send("GET", "/vary", "Accept-Language", "en");
        assertEquals("lang en", text(en));
        assertEquals("phalanx; hit", cacheStatus(en));
        assertEquals("lang de", text(send("GET", "/vary", "Accept-Language", "de")));
        assertEquals(2, upstream(backend, "GET", "/vary"));
    }

    @Test
    void staleObjectIsRevalidatedAndA304RenewsIt() throws Exception {
        assertEquals("etag body", text(send("GET", "/etag")));
        HttpResponse<byte[]> renewed = send("GET", "/etag");
        assertEquals(200, renewed.statusCode());
        assertEquals("etag body", text(renewed));
        assertEquals("phalanx; fwd=stale; fwd-status=304", cacheStatus(renewed));
        assertEquals("yes", renewed.headers().firstValue("x-renewed").orElse(""), "the 304's fields are kept");
        RawBackend.Received conditional = backend.received().stream()
                .filter(r -> r.head().startsWith("GET /etag ")).reduce((a, b) -> b).orElseThrow();
        assertEquals("\"v1\"", conditional.field("if-none-match"));
        // the client's own validator, answered by the node from the renewed object... which is stale at once
        // (max-age=0), so it goes upstream again and the backend's 304 goes to the client
        HttpResponse<byte[]> mine = send("GET", "/etag", "If-None-Match", "\"v1\"");
        assertEquals(304, mine.statusCode());
    }

    @Test
    void concurrentMissesSendOneRequestUpstream() throws Exception {
        HttpClient many = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            all.add(many.sendAsync(HttpRequest.newBuilder(URI.create(node.url("/slow")))
                    .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString()));
        }
        int collapsed = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            assertEquals(200, r.statusCode());
            assertEquals("slow", r.body());
            collapsed += cacheStatus(r).contains("collapsed") ? 1 : 0;
        }
        System.out.println("FIGURE cache coalescing: 100 concurrent misses, " + upstream(backend, "GET", "/slow")
                + " upstream request(s), " + collapsed + " answered collapsed");
        assertEquals(1, upstream(backend, "GET", "/slow"));
    }

    @Test
    void staleIfErrorWithTheBackendStopped() throws Exception {
        assertEquals("kept /fragile/a", text(send("GET", "/fragile/a")));
        Thread.sleep(1200); // max-age=1 passes
        fragile.close();
        HttpResponse<byte[]> stale = send("GET", "/fragile/a");
        assertEquals(200, stale.statusCode());
        assertEquals("kept /fragile/a", text(stale));
        assertTrue(cacheStatus(stale).contains("fwd=stale") && cacheStatus(stale).contains("stale-if-error"),
                cacheStatus(stale));
        assertEquals(502, send("GET", "/fragile/never-stored").statusCode());
    }

    @Test
    void staleWhileRevalidateAnswersAtOnceAndRefreshesOnceInTheBackground() throws Exception {
        assertEquals("swr 1", text(send("GET", "/swr")));
        Thread.sleep(1300); // max-age=1 passes; inside stale-while-revalidate=30
        HttpResponse<byte[]> stale = send("GET", "/swr");
        assertEquals("swr 1", text(stale));
        assertEquals("phalanx; hit; detail=stale-while-revalidate", cacheStatus(stale));
        long deadline = System.currentTimeMillis() + 10_000;
        while (upstream(backend, "GET", "/swr") < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, upstream(backend, "GET", "/swr"), "one background refresh");
        HttpResponse<byte[]> fresh = null;
        for (int i = 0; i < 100; i++) { // the refresh's response is stored when its body ended
            fresh = send("GET", "/swr");
            if (text(fresh).equals("swr 2")) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals("swr 2", text(fresh));
        assertEquals("phalanx; hit", cacheStatus(fresh));
        assertEquals(2, upstream(backend, "GET", "/swr"));
    }

    @Test
    void largeStoredObjectStreamsToHttp1AndHttp2Clients() throws Exception {
        assertEquals(BIG, text(send("GET", "/big")));
        HttpResponse<java.io.InputStream> slow = CLIENT.send(HttpRequest.newBuilder(URI.create(node.url("/big")))
                .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofInputStream());
        assertEquals("phalanx; hit", cacheStatus(slow));
        Thread.sleep(300); // a client that does not read: the node writes only what the socket takes
        assertEquals(BIG, new String(slow.body().readAllBytes(), StandardCharsets.UTF_8));
        java.nio.file.Path out = java.nio.file.Files.createTempFile("cache-it", ".body");
        try {
            dev.phalanx.node.testsupport.Tools.Result r = dev.phalanx.node.testsupport.Tools.curl(
                    "--http2-prior-knowledge", "-D", "-", "-o", out.toString(), node.url("/big"));
            assertEquals(0, r.exitCode(), r.stderr());
            assertTrue(r.stdout().startsWith("HTTP/2 200"), r.stdout());
            assertTrue(r.stdout().contains("cache-status: phalanx; hit"), r.stdout());
            assertEquals(BIG, java.nio.file.Files.readString(out));
        } finally {
            java.nio.file.Files.delete(out);
        }
        assertEquals(1, upstream(backend, "GET", "/big"));
    }

    @Test
    void purgesByUrlPrefixAndTagReachTheStore() throws Exception {
        dev.phalanx.node.cache.PurgeTarget target = node.node().purgeTarget();
        send("GET", "/purged");
        send("GET", "/tagged/a", "X-Tag", "t");
        send("GET", "/tagged/b");
        String origin = "http://127.0.0.1:" + node.port();
        assertEquals(1, target.apply(new dev.phalanx.node.cache.Purge(dev.phalanx.node.cache.Purge.Kind.URL,
                origin + "/purged")));
        assertTrue(cacheStatus(send("GET", "/purged")).contains("fwd=uri-miss"));
        assertEquals("phalanx; hit", cacheStatus(send("GET", "/tagged/a")));
        assertEquals(2, target.apply(new dev.phalanx.node.cache.Purge(dev.phalanx.node.cache.Purge.Kind.PREFIX,
                origin + "/tagged/")));
        assertTrue(cacheStatus(send("GET", "/tagged/b")).contains("fwd=uri-miss"));
        assertEquals(2, upstream(backend, "GET", "/tagged/b"));
    }

    @Test
    void unsafeMethodInvalidates() throws Exception {
        send("GET", "/inv");
        assertEquals("phalanx; hit", cacheStatus(send("GET", "/inv")));
        assertEquals(200, send("POST", "/inv").statusCode());
        HttpResponse<byte[]> after = send("GET", "/inv");
        assertTrue(cacheStatus(after).contains("fwd=uri-miss"), cacheStatus(after));
        assertEquals(2, upstream(backend, "GET", "/inv"));
    }

    @Test
    void objectTooLargePassesThrough() throws Exception {
        assertEquals(LARGE, text(send("GET", "/large")));
        assertEquals(LARGE, text(send("GET", "/large")));
        assertEquals(2, upstream(backend, "GET", "/large"));
    }

    @Test
    void compressedVariantsComeFromOneStoredObject() throws Exception {
        HttpResponse<byte[]> plain = send("GET", "/json", "Accept-Encoding", "identity");
        assertEquals(JSON, text(plain));
        HttpResponse<byte[]> gz = send("GET", "/json", "Accept-Encoding", "gzip");
        assertEquals("gzip", gz.headers().firstValue("content-encoding").orElse(""));
        assertEquals("phalanx; hit", cacheStatus(gz));
        assertArrayEquals(JSON.getBytes(StandardCharsets.UTF_8), CompressionIT.decode("gzip", gz.body()));
        HttpResponse<byte[]> gz2 = send("GET", "/json", "Accept-Encoding", "gzip");
        assertArrayEquals(gz.body(), gz2.body(), "the stored gzip variant, not compressed again");
        HttpResponse<byte[]> br = send("GET", "/json", "Accept-Encoding", "br");
        assertArrayEquals(JSON.getBytes(StandardCharsets.UTF_8), CompressionIT.decode("br", br.body()));
        assertTrue(gz.headers().firstValue("vary").orElse("").contains("Accept-Encoding"));
        assertNotNull(plain.headers().firstValue("vary").orElse(null));
        assertEquals(1, upstream(backend, "GET", "/json"));
        String metrics = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + node.adminAddress().getPort() + "/metrics")).build(), BodyHandlers.ofString()).body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("phalanx_cache_requests_total")
                && l.contains("result=\"hit\"") && l.contains("route=\"all\"")), metrics);
        assertTrue(metrics.contains("phalanx_cache_stored_bytes"), metrics);
    }

    @Test
    void theVariantOfALargeBodyIsMadeOffTheEventLoopAndIdentityGoesMeanwhile() throws Exception {
        assertEquals(BIG, text(send("GET", "/bigjson", "Accept-Encoding", "identity")));
        // 1 MB: larger than VariantEncoder.INLINE_MAX_BYTES, so the first gzip request gets the identity body
        HttpResponse<byte[]> first = send("GET", "/bigjson", "Accept-Encoding", "gzip");
        assertEquals("", first.headers().firstValue("content-encoding").orElse(""));
        assertEquals(BIG, text(first));
        assertTrue(first.headers().firstValue("vary").orElse("").contains("Accept-Encoding"));
        HttpResponse<byte[]> gz = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            gz = send("GET", "/bigjson", "Accept-Encoding", "gzip");
            if (gz.headers().firstValue("content-encoding").isPresent()) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals("gzip", gz.headers().firstValue("content-encoding").orElse(""), "the variant was never made");
        assertArrayEquals(BIG.getBytes(StandardCharsets.UTF_8), CompressionIT.decode("gzip", gz.body()));
        System.out.println("FIGURE stored 1 MB JSON: gzip variant " + gz.body().length + " bytes, made off the loop");
        assertEquals(1, upstream(backend, "GET", "/bigjson"));
    }
}
