package dev.phalanx.cluster.config;

import static dev.phalanx.cluster.config.EtcdSourceProbe.routeIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import dev.phalanx.cluster.testsupport.EtcdProcess;
import dev.phalanx.cluster.testsupport.TcpRelay;
import dev.phalanx.cluster.testsupport.TestCerts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link EtcdConfigSource} against a real etcd (Debian's etcd-server) on loopback. */
class EtcdConfigSourceIT {
    @TempDir
    Path dir;
    private EtcdProcess etcd;
    private EtcdSourceProbe probe;

    @AfterEach
    void tearDown() {
        if (probe != null) {
            probe.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    static String pool(String id, String address) {
        return "{\"id\": \"" + id + "\", \"endpoints\": [\"" + address + "\"]}";
    }

    static String route(String id, String pool) {
        return "{\"id\": \"" + id + "\", \"match\": {\"pathPrefix\": \"/" + id + "/\"}, \"pool\": \"" + pool + "\"}";
    }

    /** Puts with etcdctl; retried a few times, since a request in flight when a leader dies times out. */
    private void put(String key, String value) {
        for (int attempt = 1; ; attempt++) {
            try {
                etcd.etcdctl("put", "/phalanx/" + key, value);
                return;
            } catch (IllegalStateException e) {
                if (attempt == 5 || !String.valueOf(e.getMessage()).contains("timed out")) {
                    throw e;
                }
            }
        }
    }

    private static boolean hasError(ConfigSnapshot s, String path, String fragment) {
        return s.errors().stream().anyMatch(e -> e.path().startsWith(path) && e.message().contains(fragment));
    }

    @Test
    void readsThenPropagatesPutsAndDeletes() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        probe = new EtcdSourceProbe(List.of(etcd.endpoint()), dir.resolve("state")).start();
        assertNotNull(probe.last(), "the first snapshot is delivered within start");
        assertEquals(List.of("a"), routeIds(probe.last()));
        assertTrue(probe.source.inSync());

        put("routes/b", route("b", "web"));
        probe.await("route b", s -> routeIds(s).equals(List.of("a", "b")));
        etcd.etcdctl("del", "/phalanx/routes/a");
        probe.await("route a deleted", s -> routeIds(s).equals(List.of("b")));
        // a transaction's keys arrive as one change
        int before = probe.delivered.size();
        new Writer(etcd.endpoint()).txn("/phalanx/pools/api", pool("api", "127.0.0.1:8002"),
                "/phalanx/routes/c", route("c", "api"));
        ConfigSnapshot s = probe.await("route c with its new pool", x -> routeIds(x).contains("c"));
        assertEquals(List.of(), s.errors(), "route and pool came together, so the route never missed its pool");
        assertEquals(before + 1, probe.delivered.size(), "one delivery for one transaction");
        long end = System.nanoTime() + 5_000_000_000L; // persisted on its own thread, soon after
        while (!s.sameConfig(new SnapshotStore(dir.resolve("state")).load().snapshot()) && System.nanoTime() < end) {
            EtcdSourceProbe.sleep(20);
        }
        assertTrue(s.sameConfig(new SnapshotStore(dir.resolve("state")).load().snapshot()), "persisted");
    }

    @Test
    void invalidValuesKeepTheLastGoodVersionAndNameTheKey() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        probe = new EtcdSourceProbe(List.of(etcd.endpoint()), null).start();
        RouteSpecs.assertRoute(probe.last(), "a", "/a/");

        put("routes/a", "{\"id\": \"a\", \"match\": ");
        ConfigSnapshot s = probe.await("bad JSON reported", x -> hasError(x, "/phalanx/routes/a", "not valid JSON"));
        RouteSpecs.assertRoute(s, "a", "/a/");
        assertTrue(hasError(s, "/phalanx/routes/a", "last good version stays in force"), s.errors().toString());

        put("routes/a", "{\"id\": \"a\", \"pool\": \"nope\", \"match\": {\"pathPrefix\": \"/new/\"}}");
        s = probe.await("unknown pool", x -> hasError(x, "/phalanx/routes/a.pool", "pool nope does not exist"));
        RouteSpecs.assertRoute(s, "a", "/a/");

        put("routes/a", "{\"id\": \"a\", \"pool\": \"web\", \"timeouts\": {\"connect\": \"5 seconds\"}}");
        s = probe.await("bad duration", x -> hasError(x, "/phalanx/routes/a.timeouts.connect", "is not a duration"));
        RouteSpecs.assertRoute(s, "a", "/a/");

        put("routes/x", route("y", "web"));
        s = probe.await("key/id mismatch", x -> hasError(x, "/phalanx/routes/x.id", "differs from the id"));
        assertFalse(routeIds(s).contains("x") || routeIds(s).contains("y"), "a new invalid route is not applied");

        put("routes/a", route("a", "web").replace("/a/", "/fixed/"));
        etcd.etcdctl("del", "/phalanx/routes/x");
        s = probe.await("fixed", x -> x.errors().isEmpty());
        RouteSpecs.assertRoute(s, "a", "/fixed/");
    }

    @Test
    void compactionWhileDisconnectedThenReconnect() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        put("routes/b", route("b", "web"));
        try (TcpRelay relay = new TcpRelay(Integer.parseInt(etcd.endpoint().replaceAll(".*:", "")))) {
            probe = new EtcdSourceProbe(List.of(relay.endpoint()), null).start();
            assertEquals(List.of("a", "b"), routeIds(probe.last()));
            relay.cut();
            probe.awaitInSync(false);
            etcd.etcdctl("del", "/phalanx/routes/a");
            put("routes/c", route("c", "web"));
            for (int i = 0; i < 5; i++) {
                put("routes/b", route("b", "web").replace("/b/", "/b" + i + "/"));
            }
            String rev = etcd.etcdctl("get", "/phalanx/routes/c", "-w", "fields").lines()
                    .filter(l -> l.startsWith("\"Revision\"")).findFirst().orElseThrow().replaceAll("\\D", "");
            etcd.etcdctl("compact", rev);
            assertEquals(List.of("a", "b"), routeIds(probe.source.current()), "the node keeps serving while cut off");
            relay.mend();
            ConfigSnapshot s = probe.await("caught up after the compaction", x -> routeIds(x).equals(List.of("b", "c")));
            RouteSpecs.assertRoute(s, "b", "/b4/");
            probe.awaitInSync(true);
        }
    }

    @Test
    void aSilentNetworkIsFoundByTheProgressHeartbeat() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        try (TcpRelay relay = new TcpRelay(Integer.parseInt(etcd.endpoint().replaceAll(".*:", "")))) {
            probe = new EtcdSourceProbe(List.of(relay.endpoint()), null).start();
            assertTrue(probe.source.inSync());
            EtcdSourceProbe.sleep(2500); // idle longer than staleAfter: progress answers keep it in sync
            assertTrue(probe.source.inSync(), "an idle but healthy watch stays in sync: " + probe.source.problem());
            relay.freeze();
            probe.awaitInSync(false);
            assertTrue(probe.source.problem().contains("did not answer"), probe.source.problem());
            put("routes/b", route("b", "web"));
            relay.thaw();
            probe.await("route b after the network came back", s -> routeIds(s).equals(List.of("a", "b")));
            probe.awaitInSync(true);
        }
    }

    @Test
    void etcdRestartKeepsServingAndCatchesUp() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        probe = new EtcdSourceProbe(List.of(etcd.endpoint()), null).start();
        int deliveries = probe.delivered.size();
        etcd.stop();
        probe.awaitInSync(false);
        assertEquals(List.of("a"), routeIds(probe.source.current()));
        etcd.restart();
        probe.awaitInSync(true);
        assertEquals(deliveries, probe.delivered.size(), "re-reading an unchanged config delivers nothing");
        put("routes/b", route("b", "web"));
        probe.await("route b after the restart", s -> routeIds(s).equals(List.of("a", "b")));
    }

    @Test
    void etcdWipedAndRestoredWithLowerRevisions() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        for (int i = 0; i < 30; i++) {
            put("routes/old" + i, route("old" + i, "web"));
        }
        probe = new EtcdSourceProbe(List.of(etcd.endpoint()), null).start();
        long high = probe.last().revision();
        assertEquals(30, probe.last().routes().size());
        etcd.wipe();
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/new", route("new", "web"));
        ConfigSnapshot s = probe.await("the restored content", x -> routeIds(x).equals(List.of("new")));
        assertTrue(s.revision() < high, "revision follows etcd down: " + s.revision() + " < " + high);
        put("routes/new2", route("new2", "web"));
        probe.await("watching the restored etcd", x -> routeIds(x).equals(List.of("new", "new2")));
    }

    @Test
    void startsWhileEtcdIsDownFromThePersistedSnapshotAndCatchesUp() {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        try (EtcdSourceProbe first = new EtcdSourceProbe(List.of(etcd.endpoint()), dir.resolve("state")).start()) {
            assertEquals(List.of("a"), routeIds(first.last()));
        }
        etcd.stop();
        probe = new EtcdSourceProbe(List.of(etcd.endpoint()), dir.resolve("state")).start();
        assertEquals(List.of("a"), routeIds(probe.source.current()), "the persisted snapshot is in force");
        assertFalse(probe.source.inSync());
        etcd.restart();
        put("routes/b", route("b", "web"));
        probe.await("caught up", s -> routeIds(s).equals(List.of("a", "b")));
    }

    @Test
    void userAndPasswordAuth() {
        etcd = EtcdProcess.single(dir.resolve("etcd"), "--auth-token-ttl", "2");
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        etcd.etcdctl("user", "add", "root:rootpw");
        etcd.etcdctl("user", "add", "phalanx:s3cret");
        etcd.etcdctl("role", "add", "phalanx-node");
        etcd.etcdctl("role", "grant-permission", "phalanx-node", "--prefix=true", "readwrite", "/phalanx/");
        etcd.etcdctl("user", "grant-role", "phalanx", "phalanx-node");
        etcd.etcdctl("auth", "enable");

        try (EtcdSourceProbe wrong = new EtcdSourceProbe(new EtcdConfig(List.of(etcd.endpoint()), "/phalanx",
                "phalanx", "wrong", null, null, null), null).start()) {
            assertFalse(wrong.source.inSync());
            assertTrue(wrong.delivered.isEmpty());
            assertTrue(String.valueOf(wrong.source.problem()).contains("authentication failed"),
                    wrong.source.problem());
        }
        probe = new EtcdSourceProbe(new EtcdConfig(List.of(etcd.endpoint()), "/phalanx", "phalanx", "s3cret",
                null, null, null), null).start();
        assertEquals(List.of("a"), routeIds(probe.last()));
        etcd.etcdctl("--user", "root:rootpw", "put", "/phalanx/routes/b", route("b", "web"));
        probe.await("route b with auth", s -> routeIds(s).equals(List.of("a", "b")));
        // tokens live 2 s, and a restarted etcd forgets every token: the source authenticates again
        EtcdSourceProbe.sleep(3000);
        etcd.stop();
        probe.awaitInSync(false);
        etcd.restart();
        etcd.etcdctl("--user", "root:rootpw", "put", "/phalanx/routes/c", route("c", "web"));
        probe.await("route c after the token expired", s -> routeIds(s).equals(List.of("a", "b", "c")));
    }

    @Test
    void tlsWithAClientCertificate() {
        TestCerts certs = TestCerts.create(dir.resolve("certs"));
        etcd = EtcdProcess.tls(dir.resolve("etcd"), certs);
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        try (EtcdSourceProbe noClientCert = new EtcdSourceProbe(new EtcdConfig(List.of(etcd.endpoint()), "/phalanx",
                null, null, certs.ca(), null, null), null).start()) {
            assertFalse(noClientCert.source.inSync(), "etcd requires a client certificate");
        }
        probe = new EtcdSourceProbe(new EtcdConfig(List.of(etcd.endpoint()), "/phalanx", null, null, certs.ca(),
                certs.clientCert(), certs.clientKey()), null).start();
        assertEquals(List.of("a"), routeIds(probe.last()));
        put("routes/b", route("b", "web"));
        probe.await("route b over TLS", s -> routeIds(s).equals(List.of("a", "b")));
    }

    @Test
    void threeMemberClusterLosesItsLeader() {
        etcd = EtcdProcess.cluster(dir.resolve("etcd"), 3);
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        probe = new EtcdSourceProbe(etcd.endpoints(), null).start();
        assertEquals(List.of("a"), routeIds(probe.last()));
        EtcdProcess.Member leader = etcd.leader();
        etcd.kill(leader);
        put("routes/b", route("b", "web"));
        probe.await("route b written after the leader died", s -> routeIds(s).equals(List.of("a", "b")));
        etcd.restart(leader);
        put("routes/c", route("c", "web"));
        probe.await("route c", s -> routeIds(s).equals(List.of("a", "b", "c")));
    }

    @Test
    void nodeStatusKeyUnderALease() throws Exception {
        etcd = EtcdProcess.single(dir.resolve("etcd"));
        put("pools/web", pool("web", "127.0.0.1:8001"));
        put("routes/a", route("a", "web"));
        put("routes/bad", "{\"id\": \"bad\", \"pool\": \"nope\"}");
        probe = new EtcdSourceProbe(List.of(etcd.endpoint()), null).start();
        long revision = probe.last().revision();
        String status = awaitStatus(s -> s.contains("\"revision\":" + revision));
        assertTrue(status.contains("\"node\":\"node-1\""), status);
        assertTrue(status.contains("/phalanx/routes/bad.pool: pool nope does not exist"), status);
        assertTrue(status.contains("\"appliedAt\":\"20"), status);
        assertTrue(status.contains("\"version\":\"test\""), status);
        String lease = etcd.etcdctl("get", "/phalanx/nodes/node-1", "-w", "fields").lines()
                .filter(l -> l.startsWith("\"Lease\"")).findFirst().orElseThrow();
        assertFalse(lease.endsWith(": 0"), "written under a lease: " + lease);
        // the old process of an in-place upgrade revoking the lease it wrote the key under last: the key comes back
        etcd.etcdctl("del", "/phalanx/nodes/node-1");
        awaitStatus(s -> s.contains("\"revision\":" + revision));
        probe.close();
        probe = null;
        assertEquals("", etcd.etcdctl("get", "/phalanx/nodes/node-1", "--print-value-only").trim(),
                "the lease is revoked when the node stops");
    }

    private String awaitStatus(java.util.function.Predicate<String> condition) {
        long end = System.nanoTime() + 20_000_000_000L;
        String value = "";
        while (System.nanoTime() < end) {
            value = etcd.etcdctl("get", "/phalanx/nodes/node-1", "--print-value-only").trim();
            if (condition.test(value)) {
                return value;
            }
            EtcdSourceProbe.sleep(100);
        }
        throw new AssertionError("status key never matched: " + value);
    }
}
