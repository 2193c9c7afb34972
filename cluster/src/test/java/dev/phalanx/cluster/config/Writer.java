package dev.phalanx.cluster.config;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Writes to etcd from a test with jetcd: transactions and many puts at once (etcdctl is one process per call). */
final class Writer implements AutoCloseable {
    private final Client client;

    Writer(String endpoint) {
        client = Client.builder().endpoints(endpoint).build();
    }

    static ByteSequence b(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** key, value, key, value... in one transaction. */
    void txn(String... keyValues) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            ops.add(Op.put(b(keyValues[i]), b(keyValues[i + 1]), PutOption.DEFAULT));
        }
        try {
            client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            close();
        }
    }

    /** Puts every entry, up to 200 in flight at once; returns when all were acknowledged. */
    void putAll(Map<String, String> entries) {
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        try {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                inFlight.add(client.getKVClient().put(b(e.getKey()), b(e.getValue())));
                if (inFlight.size() >= 200) {
                    CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                    inFlight.clear();
                }
            }
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
