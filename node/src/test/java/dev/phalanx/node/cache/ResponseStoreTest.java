package dev.phalanx.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.node.compression.ContentCoding;
import dev.phalanx.node.metrics.Meters;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResponseStoreTest {
    private static final Freshness FRESH = new Freshness(60_000, false, false, 0, 0);
    private final List<ByteBuf> bodies = new ArrayList<>();

    private CachedResponse response(String url, int size, Set<String> tags) {
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer(size);
        body.writeZero(size);
        bodies.add(body);
        return new CachedResponse(url, 200, new DefaultHttpHeaders(), body, System.currentTimeMillis(), 0, FRESH,
                tags);
    }

    private static ResponseStore store(long maxBytes) {
        return new ResponseStore(maxBytes, new Meters(), Runnable::run);
    }

    @Test
    void findsWhatWasStoredAndHitsHoldTheirOwnReference() {
        ResponseStore s = store(1 << 20);
        CachedResponse r = response("http://a/x", 1000, Set.of());
        s.put("http://a/x", List.of(), List.of(), new DefaultHttpHeaders(), r);
        CachedResponse hit = s.find("http://a/x", new DefaultHttpHeaders());
        assertSame(r, hit);
        ByteBuf slice = hit.body();
        hit.release();
        s.invalidate("http://a/x");
        s.cleanUp();
        assertNull(s.find("http://a/x", new DefaultHttpHeaders()));
        assertEquals(1, bodies.get(0).refCnt(), "the slice being written keeps the body");
        slice.release();
        assertEquals(0, bodies.get(0).refCnt());
    }

    @Test
    void aFillThatBeganBeforeAPurgeIsNotStoredAfterIt() {
        ResponseStore s = store(1 << 20);
        long epoch = s.purgeEpoch(); // the fill's request goes upstream
        assertEquals(0, s.apply(new Purge(Purge.Kind.URL, "http://a/x")), "nothing stored yet to remove");
        s.put("http://a/x", List.of(), List.of(), new DefaultHttpHeaders(), response("http://a/x", 1000, Set.of()),
                epoch);
        s.cleanUp();
        assertNull(s.find("http://a/x", new DefaultHttpHeaders()), "the purged response was stored after the purge");
        assertEquals(0, bodies.get(0).refCnt(), "the dropped fill's body is released");
        long later = s.purgeEpoch(); // a fill that began after the purge is stored
        CachedResponse r = response("http://a/x", 1000, Set.of());
        s.put("http://a/x", List.of(), List.of(), new DefaultHttpHeaders(), r, later);
        CachedResponse hit = s.find("http://a/x", new DefaultHttpHeaders());
        assertSame(r, hit);
        hit.release();
        s.clear();
        s.cleanUp();
    }

    @Test
    void boundedByBytesAndEvictionReleasesBodies() {
        ResponseStore s = store(100_000);
        for (int i = 0; i < 50; i++) {
            s.put("http://a/" + i, List.of(), List.of(), new DefaultHttpHeaders(), response("http://a/" + i, 10_000,
                    Set.of()));
        }
        s.cleanUp();
        assertTrue(s.bytes() <= 100_000, () -> "weighted size " + s.bytes());
        long released = bodies.stream().filter(b -> b.refCnt() == 0).count();
        assertTrue(released >= 40, "evicted bodies released: " + released);
        assertEquals(50 - released, s.objects());
        s.clear();
        s.cleanUp();
        assertTrue(bodies.stream().allMatch(b -> b.refCnt() == 0));
    }

    @Test
    void variantsByVaryAndAddedCodingsAreWeighed() {
        ResponseStore s = store(1 << 20);
        HttpHeaders en = new DefaultHttpHeaders().set("accept-language", "en");
        HttpHeaders de = new DefaultHttpHeaders().set("accept-language", "de");
        s.put("http://a/v", List.of("accept-language"), List.of(), en, response("http://a/v", 100, Set.of()));
        s.put("http://a/v", List.of("accept-language"), List.of(), de, response("http://a/v", 200, Set.of()));
        CachedResponse e = s.find("http://a/v", en);
        CachedResponse d = s.find("http://a/v", de);
        assertEquals(100, e.bodyLength());
        assertEquals(200, d.bodyLength());
        assertNull(s.find("http://a/v", new DefaultHttpHeaders().set("accept-language", "fr")));
        s.cleanUp();
        long before = s.bytes();
        ByteBuf gz = PooledByteBufAllocator.DEFAULT.directBuffer(5000).writeZero(5000);
        assertTrue(e.addEncoded(ContentCoding.GZIP, gz));
        s.reweigh(e);
        s.cleanUp();
        assertEquals(before + 5000, s.bytes());
        assertNotNull(s.find("http://a/v", en), "reweighing keeps the object");
        e.release();
        e.release();
        d.release();
        s.invalidate("http://a/v"); // the marker: both variants become unreachable
        assertNull(s.find("http://a/v", en));
        s.clear();
        s.cleanUp();
        assertEquals(0, gz.refCnt());
        assertTrue(bodies.stream().allMatch(b -> b.refCnt() == 0));
    }

    @Test
    void purgeByUrlPrefixAndTag() {
        ResponseStore s = store(1 << 20);
        s.put("http://a/p/1", List.of(), List.of(), new DefaultHttpHeaders(), response("http://a/p/1", 10, Set.of("t1")));
        s.put("http://a/p/2", List.of("x"), List.of(), new DefaultHttpHeaders(), response("http://a/p/2", 10,
                Set.of("t2")));
        s.put("http://a/p/2?q", List.of(), List.of(), new DefaultHttpHeaders(), response("http://a/p/2?q", 10,
                Set.of("t1", "t2")));
        s.put("http://a/q", List.of(), List.of(), new DefaultHttpHeaders(), response("http://a/q", 10, Set.of()));
        assertEquals(1, s.apply(new Purge(Purge.Kind.URL, "http://a/p/2")), "the variant, not the ?q object");
        CachedResponse kept = s.find("http://a/p/2?q", new DefaultHttpHeaders());
        assertNotNull(kept);
        kept.release();
        assertEquals(2, s.apply(new Purge(Purge.Kind.TAG, "t1")));
        assertEquals(0, s.apply(new Purge(Purge.Kind.TAG, "t1")));
        assertEquals(1, s.apply(new Purge(Purge.Kind.PREFIX, "http://a/")));
        s.cleanUp();
        assertTrue(bodies.stream().allMatch(b -> b.refCnt() == 0));
    }

    @Test
    void coalescingWakesWaitersOnce() throws Exception {
        ResponseStore s = store(1 << 20);
        Flight f = s.takeOff("http://a/c");
        assertNotNull(f);
        assertNull(s.takeOff("http://a/c"));
        assertSame(f, s.flight("http://a/c"));
        io.netty.channel.DefaultEventLoop loop = new io.netty.channel.DefaultEventLoop();
        try {
            java.util.concurrent.CountDownLatch woke = new java.util.concurrent.CountDownLatch(2);
            List<Boolean> how = java.util.Collections.synchronizedList(new ArrayList<>());
            loop.submit(() -> {
                f.await(loop, 5000, ended -> { how.add(ended); woke.countDown(); });
                f.await(loop, 10, ended -> { how.add(ended); woke.countDown(); });
            }).sync();
            Thread.sleep(200);
            s.land("http://a/c", f);
            assertTrue(woke.await(5, java.util.concurrent.TimeUnit.SECONDS));
            Thread.sleep(50);
            assertEquals(List.of(false, true), how, "the short wait timed out, the other was woken, each once");
            assertNull(s.flight("http://a/c"));
        } finally {
            loop.shutdownGracefully();
        }
    }
}
