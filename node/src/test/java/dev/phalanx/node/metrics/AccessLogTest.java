package dev.phalanx.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log writing to real files and streams; every line read back with Jackson. */
class AccessLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00.123Z");

    @TempDir
    Path dir;
    private final Meters meters = new Meters();

    private static AccessLogEntry entry(int i) {
        return new AccessLogEntry(T0.plusMillis(i), "node-1", "web", "req-" + i, "203.0.113." + (i % 250),
                i % 2 == 0 ? "GET" : "POST", "api.example.com", "/api/items/" + i + "?q=1", "HTTP/1.1",
                i % 3 == 0 ? 404 : 200, i, 2L * i, i / 1000.0 + 0.0004,
                i % 3 == 0 ? null : "api", i % 3 == 0 ? null : "api-v1", i % 3 == 0 ? null : "10.0.1.10:8080",
                i % 3 == 0 ? 0 : 200, i % 3 == 0 ? 0 : 1, "curl/8.5.0", i % 3 == 0 ? "no-route" : null,
                i % 3 == 1 ? "gzip" : null, i % 3 == 2 ? "phalanx; hit" : null);
    }

    private static AccessLogEntry withStrings(String host, String path, String userAgent, String error) {
        return new AccessLogEntry(T0, "node-1", "web", "r", "127.0.0.1", "GET", host, path, "HTTP/2", 502, 0, 0,
                1.5, "api", "api-v1", "127.0.0.1:1", 0, 3, userAgent, error, null, null);
    }

    private double dropped() {
        Counter c = meters.registry().find("phalanx.access.log.dropped").counter();
        return c == null ? 0 : c.count();
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("phalanx-access-log") && t.isAlive()).count();
    }

    private static List<JsonNode> readLines(Path file) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    @Test
    void tenThousandEntriesFromFourThreadsAreAllWrittenAsJsonLines() throws Exception {
        Path file = dir.resolve("access.log");
        AccessLog log = AccessLog.toFile(file, AccessLog.DEFAULT_CAPACITY, meters);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t * 2500;
            producers.add(new Thread(() -> {
                for (int i = first; i < first + 2500; i++) {
                    log.log(entry(i));
                }
            }));
        }
        producers.forEach(Thread::start);
        for (Thread p : producers) {
            p.join(10_000);
        }
        log.close();

        List<JsonNode> lines = readLines(file);
        assertEquals(10_000, lines.size());
        Set<Integer> seen = new HashSet<>();
        for (JsonNode n : lines) {
            int i = Integer.parseInt(n.get("requestId").asText().substring(4));
            assertTrue(seen.add(i), "logged once: " + i);
            AccessLogEntry e = entry(i);
            assertEquals(ISO_MILLIS.format(e.time()), n.get("time").asText());
            assertEquals(e.time(), Instant.parse(n.get("time").asText()));
            assertEquals("node-1", n.get("node").asText());
            assertEquals("web", n.get("listener").asText());
            assertEquals(e.client(), n.get("client").asText());
            assertEquals(e.method(), n.get("method").asText());
            assertEquals("api.example.com", n.get("host").asText());
            assertEquals(e.path(), n.get("path").asText());
            assertEquals("HTTP/1.1", n.get("protocol").asText());
            assertEquals(e.status(), n.get("status").asInt());
            assertEquals(i, n.get("bytesIn").asLong());
            assertEquals(2L * i, n.get("bytesOut").asLong());
            assertEquals(Math.round(e.durationMs() * 1000) / 1000.0, n.get("durationMs").asDouble(), 1e-9);
            assertTrue(n.get("durationMs").isNumber());
            if (i % 3 == 0) {
                assertTrue(n.get("route").isNull());
                assertTrue(n.get("pool").isNull());
                assertTrue(n.get("upstream").isNull());
                assertTrue(n.get("upstreamStatus").isNull());
                assertEquals("no-route", n.get("error").asText());
            } else {
                assertEquals("api", n.get("route").asText());
                assertEquals("api-v1", n.get("pool").asText());
                assertEquals("10.0.1.10:8080", n.get("upstream").asText());
                assertEquals(200, n.get("upstreamStatus").asInt());
                assertTrue(n.get("error").isNull());
            }
            assertEquals(e.attempts(), n.get("attempts").asInt());
            assertEquals("curl/8.5.0", n.get("userAgent").asText());
            if (e.encoding() == null) {
                assertTrue(n.get("encoding").isNull());
            } else {
                assertEquals("gzip", n.get("encoding").asText());
            }
            if (e.cache() == null) {
                assertTrue(n.get("cache").isNull());
            } else {
                assertEquals("phalanx; hit", n.get("cache").asText());
            }
            assertEquals(22, n.size(), "exactly the documented fields");
        }
        assertEquals(0, dropped());
    }

    @Test
    void nastyStringsRoundTrip() throws Exception {
        Path file = dir.resolve("nasty.log");
        String[] nasty = {
            "quote \" and backslash \\ and slash /",
            "line\nbreak\r\nand\ttab\bback\fform",
            "nul \u0000 soh \u0001 us \u001f del \u007f",
            "unicode h\u00e9llo \u65e5\u672c \uD83D\uDE80 sep \u2028 \u2029",
            "{\"json\": [1, 2]} </script>",
            "",
        };
        try (AccessLog log = AccessLog.toFile(file, 16, meters)) {
            for (String s : nasty) {
                log.log(withStrings(s, s, s, s));
            }
        }
        List<String> raw = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(nasty.length, raw.size(), "one line per entry, whatever the strings hold");
        for (int i = 0; i < nasty.length; i++) {
            assertFalse(raw.get(i).chars().anyMatch(c -> c < 0x20 || c == 0x7f), "no raw control character");
            JsonNode n = JSON.readTree(raw.get(i));
            for (String field : List.of("host", "path", "userAgent", "error")) {
                assertEquals(nasty[i], n.get(field).asText(), field);
            }
        }
    }

    @Test
    void unpairedSurrogatesBecomeReplacementCharacters() {
        StringBuilder sb = new StringBuilder();
        AccessLogFormat.appendString(sb, "a\uD800b\uDC00c", 100);
        assertEquals("\"a\uFFFDb\uFFFDc\"", sb.toString());
    }

    @Test
    void longFieldsAreCutWithoutSplittingACharacter() throws Exception {
        Path file = dir.resolve("long.log");
        String longPath = "/" + "a".repeat(2046) + "\uD83D\uDE80" + "tail";
        String longAgent = "b".repeat(2000);
        try (AccessLog log = AccessLog.toFile(file, 16, meters)) {
            log.log(withStrings("h".repeat(1000), longPath, longAgent, null));
        }
        JsonNode n = readLines(file).get(0);
        assertEquals("/" + "a".repeat(2046), n.get("path").asText(), "the emoji would straddle the cut");
        assertEquals(AccessLogFormat.MAX_USER_AGENT, n.get("userAgent").asText().length());
        assertEquals(AccessLogFormat.MAX_HOST, n.get("host").asText().length());
        assertTrue(n.get("error").isNull());
        assertTrue(n.get("upstreamStatus").isNull());
        assertEquals(1.5, n.get("durationMs").asDouble());
    }

    @Test
    void durationsHaveThreeDecimals() {
        StringBuilder sb = new StringBuilder();
        AccessLogFormat.appendMillis(sb, 0.0004);
        sb.append(' ');
        AccessLogFormat.appendMillis(sb, 12.3456);
        sb.append(' ');
        AccessLogFormat.appendMillis(sb, 1500);
        sb.append(' ');
        AccessLogFormat.appendMillis(sb, Double.NaN);
        assertEquals("0.000 12.346 1500.000 null", sb.toString());
    }

    @Test
    void offWritesNothingAndStartsNoWriter() {
        long writersBefore = writerThreads();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            AccessLog log = AccessLog.create("off", meters);
            assertFalse(log.enabled());
            for (int i = 0; i < 100; i++) {
                log.log(entry(i));
            }
            assertTrue(log.reopen().isDone());
            log.close();
        } finally {
            System.setOut(original);
        }
        assertEquals(0, captured.size());
        assertEquals(0, dropped());
        assertEquals(writersBefore, writerThreads(), "no writer thread for off");
    }

    @Test
    void stdoutGetsTheLinesAndStaysOpen() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, false, StandardCharsets.UTF_8);
        System.setOut(capture);
        try {
            AccessLog log = AccessLog.create("stdout", meters);
            assertTrue(log.enabled());
            log.log(entry(1));
            log.log(entry(2));
            log.close();
            log.close();
        } finally {
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size());
        assertEquals("req-2", JSON.readTree(lines.get(1)).get("requestId").asText());
        assertFalse(capture.checkError(), "stdout is flushed, never closed");
    }

    @Test
    void aFullQueueDropsAndCounts() throws Exception {
        CountDownLatch writeEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream stalled = new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writeEntered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sink.write(b, off, len);
            }
        };
        AccessLog log = AccessLog.toStream(stalled, 4, meters);
        log.log(entry(0));
        assertTrue(writeEntered.await(5, TimeUnit.SECONDS), "the writer took the first entry and is stuck writing");
        for (int i = 1; i <= 14; i++) {
            log.log(entry(i)); // 4 fit in the queue, 10 do not
        }
        assertEquals(10, dropped());
        release.countDown();
        log.close();
        List<String> lines = sink.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(5, lines.size());
        for (int i = 0; i < 5; i++) {
            assertEquals("req-" + i, JSON.readTree(lines.get(i)).get("requestId").asText());
        }
    }

    @Test
    void linesAreFlushedWithoutClosing() throws Exception {
        Path file = dir.resolve("live.log");
        try (AccessLog log = AccessLog.toFile(file, 16, meters)) {
            log.log(entry(7));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (Files.size(file) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals("req-7", readLines(file).get(0).get("requestId").asText());
        }
    }

    @Test
    void reopenStartsANewFileAfterRotation() throws Exception {
        Path file = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        Files.writeString(file, "{\"earlier\":true}\n");
        try (AccessLog log = AccessLog.toFile(file, 64, meters)) {
            for (int i = 0; i < 3; i++) {
                log.log(entry(i));
            }
            Files.move(file, rotated);
            log.reopen().get(5, TimeUnit.SECONDS);
            log.log(entry(3));
            log.log(entry(4));
        }
        List<JsonNode> old = readLines(rotated);
        assertEquals(4, old.size(), "appended to what was there, and entries before reopen() went to the old file");
        assertTrue(old.get(0).get("earlier").asBoolean());
        assertEquals("req-2", old.get(3).get("requestId").asText());
        List<JsonNode> fresh = readLines(file);
        assertEquals(List.of("req-3", "req-4"), fresh.stream().map(n -> n.get("requestId").asText()).toList());
    }

    @Test
    void aFileThatCannotBeOpenedFailsWithItsPath() {
        Path bad = dir.resolve("missing-dir").resolve("access.log");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> AccessLog.create(bad.toString(), meters));
        assertTrue(e.getMessage().startsWith("accessLog: cannot open " + bad + " for appending"), e.getMessage());
    }
}
