package dev.phalanx.node.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.phalanx.cluster.model.EndpointSpec;
import dev.phalanx.cluster.model.HealthCheckSpec;
import dev.phalanx.cluster.model.LbPolicy;
import dev.phalanx.cluster.model.PoolSpec;
import dev.phalanx.cluster.state.HealthBoard;
import dev.phalanx.cluster.state.HealthVerdict;
import dev.phalanx.cluster.state.LocalHealthBoard;
import dev.phalanx.cluster.state.ProbeAssignment;
import dev.phalanx.node.metrics.Meters;
import dev.phalanx.node.upstream.Endpoint;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
    private static EventLoopGroup group;

    private final LocalHealthBoard board = new LocalHealthBoard();
    private final Meters meters = new Meters();
    private final List<TestBackend> backends = new ArrayList<>();
    private final List<String> boardEvents = new CopyOnWriteArrayList<>();
    private HealthChecker checker;

    @BeforeAll
    static void startLoops() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void stop() {
        if (checker != null) {
            checker.close();
        }
        drainLoops(group);
        backends.forEach(TestBackend::close);
    }

    private HealthChecker checker(ProbeAssignment assignment) {
        board.addListener((key, source, v) -> boardEvents.add(key + " " + source + " "
                + (v == null ? "removed" : v.healthy() ? "healthy" : "unhealthy")));
        checker = new HealthChecker(group, NioSocketChannel.class, board, assignment, meters, "node-1");
        return checker;
    }

    @Test
    void turnsUnhealthyAfterFallFailedProbesAndHealthyAfterRisePassedProbes() throws Exception {
        TestBackend backend = backend().hold(true);
        Endpoint endpoint = endpoint("api", backend);
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(50, 2000, 2, 3)), endpoint)));

        for (int failures = 0; failures < 3; failures++) {
            awaitParked(backend);
            assertTrue(endpoint.isActiveHealthy(), "still healthy after " + failures + " failed probe(s)");
            assertTrue(backend.release(500));
        }
        Await.until("unhealthy after 3 failed probes", () -> !endpoint.isActiveHealthy());
        for (int passes = 0; passes < 2; passes++) {
            awaitParked(backend);
            assertFalse(endpoint.isActiveHealthy(), "still unhealthy after " + passes + " passed probe(s)");
            assertTrue(backend.release(200));
        }
        Await.until("healthy after 2 passed probes", endpoint::isActiveHealthy);

        assertEquals(3.0, probes("api", "fail"));
        assertEquals(2.0, probes("api", "pass"));
        String key = HealthBoard.key("api", backend.address());
        Await.until("board has the healthy verdict", () -> board.read(key) != null && board.read(key).healthy());
        HealthVerdict verdict = board.read(key);
        assertEquals("node-1", verdict.nodeId());
        assertEquals(HealthVerdict.Source.ACTIVE, verdict.source());
        assertTrue(verdict.reason().startsWith("2 consecutive passed probes"), verdict.reason());
        assertEquals(List.of(key + " ACTIVE unhealthy", key + " ACTIVE healthy"), boardEvents);
    }

    @Test
    void aBackendThatNeverAnswersFailsByTimeout() throws Exception {
        TestBackend backend = backend().hold(true);
        Endpoint endpoint = endpoint("api", backend);
        // 300 ms: long enough that, on a loaded machine, the request still reaches the backend before the timeout
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(50, 300, 1, 2)), endpoint)));

        Await.until("unhealthy after 2 timed-out probes", () -> !endpoint.isActiveHealthy());
        String reason = Await.value("board verdict", () -> board.read(HealthBoard.key("api", backend.address())))
                .reason();
        assertTrue(reason.contains("no response within 300ms"), reason);
        Await.until("the probes reached the backend", () -> backend.requests() >= 1);
    }

    @Test
    void aRefusedConnectionFails() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Endpoint endpoint = new Endpoint("api", "127.0.0.1:" + closedPort,
                new InetSocketAddress("127.0.0.1", closedPort), 1);
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(50, 1000, 1, 2)), endpoint)));

        Await.until("unhealthy after 2 refused probes", () -> !endpoint.isActiveHealthy());
        String reason = Await.value("board verdict", () -> board.read(HealthBoard.key("api", endpoint.address())))
                .reason();
        assertTrue(reason.toLowerCase().contains("refused"), reason);
        assertTrue(probes("api", "fail") >= 2);
    }

    @Test
    void expectStatusDecidesWhatPasses() throws Exception {
        TestBackend backend = backend().status(200);
        Endpoint endpoint = endpoint("api", backend);
        checker(ProbeAssignment.ALL).reconcile(List.of(
                target(pool("api", check(50, 1000, 1, 1, 204, 301)), endpoint)));

        Await.until("200 is not an expected status", () -> !endpoint.isActiveHealthy());
        // the board is written by its own thread, a moment after the endpoint flips
        String reason = Await.value("board verdict", () -> board.read(HealthBoard.key("api", backend.address())))
                .reason();
        assertTrue(reason.contains("status 200, expected [204, 301]"), reason);
        backend.status(301);
        Await.until("301 is an expected status", endpoint::isActiveHealthy);
    }

    @Test
    void probeSendsTheConfiguredRequestAndDropsTheBody() throws Exception {
        TestBackend backend = backend().status(200).bodyBytes(100_000);
        Endpoint endpoint = endpoint("api", backend);
        checker(ProbeAssignment.ALL).reconcile(List.of(target(
                new PoolSpec("api", LbPolicy.ROUND_ROBIN, List.of(new EndpointSpec(backend.address(), 1)), null,
                        new HealthCheckSpec("/status?deep=1", Duration.ofMillis(50), Duration.ofMillis(1000), 1, 1,
                                List.of(200)), null),
                endpoint)));

        Await.until("3 probes passed", () -> probes("api", "pass") >= 3);
        assertTrue(endpoint.isActiveHealthy());
        HttpRequest request = backend.lastRequest();
        assertEquals(HttpMethod.GET, request.method());
        assertEquals("/status?deep=1", request.uri());
        assertEquals(backend.address(), request.headers().get(HttpHeaderNames.HOST));
        assertEquals("phalanx-health", request.headers().get(HttpHeaderNames.USER_AGENT));
        assertEquals("close", request.headers().get(HttpHeaderNames.CONNECTION));
        assertFalse(request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING));
        assertEquals(0.0, probes("api", "fail"));
    }

    @Test
    void reconcileKeepsStateOfSurvivorsAndStopsProbingRemovedEndpoints() throws Exception {
        TestBackend a = backend().hold(true);
        TestBackend b = backend().status(500);
        Endpoint a1 = endpoint("api", a);
        Endpoint b1 = endpoint("api", b);
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(50, 2000, 3, 1)), a1, b1)));

        awaitParked(a);
        a.release(500);
        Await.until("a unhealthy", () -> !a1.isActiveHealthy());
        awaitParked(a);
        a.release(200); // one pass of the three needed
        awaitParked(a);
        String keyB = HealthBoard.key("api", b.address());
        Await.until("b unhealthy on the board", () -> board.read(keyB) != null);

        // a new config: a stays (as a new endpoint object, with a new interval), b goes
        Endpoint a2 = endpoint("api", a);
        checker.reconcile(List.of(target(pool("api", check(60, 2000, 3, 1)), a2)));
        drainLoops(group);
        assertFalse(a2.isActiveHealthy(), "the verdict moved to the new endpoint object");
        assertFalse(checker.isChecking(keyB));
        int bProbes = b.requests();

        a.release(200);
        awaitParked(a);
        assertFalse(a2.isActiveHealthy(), "two passes of three");
        a.release(200);
        Await.until("healthy after the third pass, counted across the reload", a2::isActiveHealthy);

        Await.until("b's verdict left the board", () -> board.read(keyB) == null);
        Await.sleep(250);
        assertTrue(b.requests() <= bProbes + 1, "b is no longer probed: " + bProbes + " then " + b.requests());

        // the pool drops its health check: endpoints are healthy and no longer probed
        a.hold(false).status(500);
        Endpoint a3 = endpoint("api", a);
        a3.setActiveHealthy(false);
        checker.reconcile(List.of(target(pool("api", null), a3)));
        drainLoops(group);
        assertTrue(a3.isActiveHealthy());
        int aProbes = a.requests();
        Await.sleep(200);
        assertTrue(a.requests() <= aProbes + 1, "a is no longer probed");
        assertTrue(a3.isActiveHealthy());
    }

    @Test
    void probesRunOncePerInterval() throws Exception {
        TestBackend backend = backend().status(200);
        Endpoint endpoint = endpoint("api", backend);
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(100, 1000, 1, 1)), endpoint)));

        Await.sleep(1000);
        int first = backend.requests();
        assertTrue(first >= 4 && first <= 11, "about 10 probes in 1s at 100ms: " + first);

        checker.reconcile(List.of(target(pool("api", check(40, 1000, 1, 1)), endpoint)));
        drainLoops(group);
        int before = backend.requests();
        Await.sleep(1000);
        int second = backend.requests() - before;
        assertTrue(second >= 10 && second <= 27, "about 25 probes in 1s at 40ms: " + second);
    }

    @Test
    void endpointsProbedElsewhereFollowTheBoard() throws Exception {
        TestBackend backend = backend().status(200);
        Endpoint endpoint = endpoint("api", backend);
        String key = HealthBoard.key("api", backend.address());
        board.publish(key, HealthVerdict.active(false, "node-2", "3 consecutive failed probes"));
        checker(key2 -> false).reconcile(List.of(target(pool("api", check(50, 1000, 1, 1)), endpoint)));
        drainLoops(group);
        assertFalse(endpoint.isActiveHealthy(), "starts from the board's verdict");

        board.publish(key, HealthVerdict.active(true, "node-2", "2 consecutive passed probes"));
        Await.until("follows node-2's healthy verdict", endpoint::isActiveHealthy);
        board.publish(key, HealthVerdict.active(false, "node-2", "down"));
        Await.until("follows node-2's unhealthy verdict", () -> !endpoint.isActiveHealthy());
        Await.sleep(200);
        assertEquals(0, backend.requests(), "this node does not probe what it does not own");
        assertEquals(0.0, probes("api", "pass") + probes("api", "fail"));
    }

    @Test
    void anotherNodesEjectionMakesTheOwnerProbeEarlyButEjectsNothingHere() throws Exception {
        TestBackend backend = backend().status(200);
        Endpoint endpoint = endpoint("api", backend);
        String key = HealthBoard.key("api", backend.address());
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(6000, 1000, 1, 1)), endpoint)));
        Await.until("the first probe (at a random point of the first 6 s)", 8000, () -> backend.requests() >= 1);
        long first = System.nanoTime();
        Await.sleep(300); // let the first probe finish: an ejection that arrives during a probe needs no other
        board.publish(key, HealthVerdict.passive(false, "node-2", "ejected after 5 consecutive failures"));
        // the owner probes half an interval after its last probe instead of a whole one
        while (backend.requests() < 2 && System.nanoTime() - first < 5_500_000_000L) {
            Await.sleep(20);
        }
        assertEquals(2, backend.requests(), "a confirming probe came before the regular one (6 s)");
        assertTrue(endpoint.isActiveHealthy(), "the owner's probe passed: the endpoint stays in");
        assertFalse(endpoint.isEjected(), "another node's ejection is not applied here");
    }

    @Test
    void probesWithEpollWhenAvailable() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        EventLoopGroup epoll = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            TestBackend backend = backend().status(503);
            Endpoint endpoint = endpoint("api", backend);
            checker = new HealthChecker(epoll, EpollSocketChannel.class, board, ProbeAssignment.ALL, meters, "node-1");
            checker.reconcile(List.of(target(pool("api", check(50, 1000, 1, 1)), endpoint)));
            Await.until("unhealthy on 503", () -> !endpoint.isActiveHealthy());
            backend.status(200);
            Await.until("healthy on 200", endpoint::isActiveHealthy);
            checker.close();
            drainLoops(epoll);
        } finally {
            epoll.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void closeStopsAllProbes() throws Exception {
        TestBackend backend = backend().status(200);
        Endpoint endpoint = endpoint("api", backend);
        checker(ProbeAssignment.ALL).reconcile(List.of(target(pool("api", check(30, 1000, 1, 1)), endpoint)));
        Await.until("probing", () -> backend.requests() >= 2);
        checker.close();
        drainLoops(group);
        int after = backend.requests();
        Await.sleep(150);
        assertTrue(backend.requests() <= after + 1);
        checker.reconcile(List.of(target(pool("api", check(30, 1000, 1, 1)), endpoint))); // ignored once closed
        assertFalse(checker.isChecking(HealthBoard.key("api", backend.address())));
        assertNull(board.read(HealthBoard.key("api", backend.address())));
    }

    // ---- helpers

    private TestBackend backend() throws InterruptedException {
        TestBackend backend = new TestBackend(group);
        backends.add(backend);
        return backend;
    }

    private double probes(String pool, String result) {
        var counter = meters.registry().find("phalanx.health.probes").tags("pool", pool, "result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    private static void awaitParked(TestBackend backend) {
        Await.until("a probe is parked at the backend", () -> backend.parked() >= 1);
    }

    /** Returns once every event loop ran the tasks queued before this call. */
    static void drainLoops(EventLoopGroup loops) {
        for (EventExecutor executor : loops) {
            if (!executor.isShuttingDown()) {
                executor.submit(() -> { }).syncUninterruptibly();
            }
        }
    }

    static Endpoint endpoint(String pool, TestBackend backend) {
        return new Endpoint(pool, backend.address(), new InetSocketAddress("127.0.0.1", backend.port()), 1);
    }

    static HealthCheckSpec check(long intervalMillis, long timeoutMillis, int rise, int fall, Integer... expect) {
        List<Integer> statuses = expect.length == 0 ? List.of(200) : Arrays.asList(expect);
        return new HealthCheckSpec("/healthz", Duration.ofMillis(intervalMillis), Duration.ofMillis(timeoutMillis),
                rise, fall, statuses);
    }

    static PoolSpec pool(String id, HealthCheckSpec check) {
        return new PoolSpec(id, LbPolicy.ROUND_ROBIN, List.of(), null, check, null);
    }

    static HealthTarget target(PoolSpec pool, Endpoint... endpoints) {
        return new HealthTarget(pool, List.of(endpoints));
    }
}
