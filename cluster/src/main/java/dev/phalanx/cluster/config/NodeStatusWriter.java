package dev.phalanx.cluster.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.SpecCodec;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps {@code <prefix>/nodes/<node-id>} up to date: {@code {"node", "revision", "appliedAt", "errors", "version",
 * "inSync"}} under a lease that this writer keeps alive, so the key disappears a TTL after the node died. Runs on
 * its own thread (blocking etcd calls with timeouts), never on the config thread or an event loop. When etcd is
 * unreachable it keeps trying; when the lease expired meanwhile it takes a new one and writes the status again.
 * With every keep-alive (a third of the TTL) it checks that the key is still there and writes it again if not.
 */
final class NodeStatusWriter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NodeStatusWriter.class.getName());
    private static final long CALL_TIMEOUT_MS = 2000;

    private final Supplier<Client> client;
    private final String key;
    private final String nodeId;
    private final String version;
    private final long ttlSeconds;
    private final ScheduledExecutorService exec;
    private volatile Status desired;
    private Status written;
    private long leaseId;
    private long nextKeepAliveNanos;
    private boolean failing;

    record Status(long revision, Instant appliedAt, List<ConfigError> errors, boolean inSync) {
    }

    NodeStatusWriter(Supplier<Client> client, String key, String nodeId, String version, Duration ttl) {
        this.client = client;
        this.key = key;
        this.nodeId = nodeId;
        this.version = version;
        this.ttlSeconds = Math.max(2, ttl.toSeconds());
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "phalanx-etcd-status");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        long tickMs = Math.max(200, ttlSeconds * 1000 / 6);
        exec.scheduleWithFixedDelay(this::tick, 0, tickMs, TimeUnit.MILLISECONDS);
    }

    /** The status to publish; written at the next tick (at most a few hundred ms later). */
    void publish(long revision, List<ConfigError> errors, boolean inSync) {
        Status d = desired;
        if (d != null && d.revision == revision && d.errors.equals(errors) && d.inSync == inSync) {
            return;
        }
        desired = new Status(revision, Instant.now(), List.copyOf(errors), inSync);
        exec.execute(this::tick);
    }

    private void tick() {
        Status d = desired;
        if (d == null) {
            return;
        }
        try {
            if (leaseId == 0) {
                leaseId = client.get().getLeaseClient().grant(ttlSeconds)
                        .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).getID();
                written = null;
                nextKeepAliveNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds) / 3;
            } else if (System.nanoTime() - nextKeepAliveNanos >= 0) {
                LeaseKeepAliveResponse r = client.get().getLeaseClient().keepAliveOnce(leaseId)
                        .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (r.getTTL() <= 0) {
                    leaseId = 0; // expired while etcd was out of reach: take a new one next tick
                    return;
                }
                nextKeepAliveNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds) / 3;
                if (written != null && !keyExists()) {
                    // gone though our lease lives: another process of this node (the old one of an in-place
                    // upgrade, docs/upgrade.md) wrote it last under its lease and revoked that when it stopped
                    written = null;
                }
            }
            if (!d.equals(written)) {
                client.get().getKVClient().put(EtcdKeys.bytes(key), EtcdKeys.bytes(json(d)),
                        PutOption.builder().withLeaseId(leaseId).build()).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                written = d;
            }
            if (failing) {
                LOG.log(System.Logger.Level.INFO, "node status " + key + " written again");
                failing = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!failing) {
                LOG.log(System.Logger.Level.WARNING, "cannot write the node status " + key + ": "
                        + EtcdClients.describe(e) + " (retrying)");
                failing = true;
            }
            if (String.valueOf(e.getMessage()).contains("requested lease not found")) {
                leaseId = 0;
            }
        }
    }

    private boolean keyExists() throws Exception {
        return client.get().getKVClient().get(EtcdKeys.bytes(key), GetOption.builder().withCountOnly(true).build())
                .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).getCount() > 0;
    }

    String json(Status s) {
        ObjectNode o = SpecCodec.JSON.createObjectNode();
        o.put("node", nodeId);
        o.put("revision", s.revision);
        o.put("appliedAt", s.appliedAt.toString());
        ArrayNode errors = o.putArray("errors");
        s.errors.forEach(e -> errors.add(e.toString()));
        o.put("version", version);
        o.put("inSync", s.inSync);
        return o.toString();
    }

    /** Stops and revokes the lease (best effort), so the status key goes at once. */
    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(2, TimeUnit.SECONDS);
            if (leaseId != 0) {
                client.get().getLeaseClient().revoke(leaseId).get(1, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            // the lease expires by itself
        }
    }
}
