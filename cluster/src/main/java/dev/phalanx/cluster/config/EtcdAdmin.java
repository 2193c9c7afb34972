package dev.phalanx.cluster.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigTrees;
import dev.phalanx.cluster.model.NodeConfig.EtcdConfig;
import dev.phalanx.cluster.model.Parsed;
import dev.phalanx.cluster.model.PoolCodec;
import dev.phalanx.cluster.model.RouteCodec;
import dev.phalanx.cluster.model.RouteSpec;
import dev.phalanx.cluster.model.SpecCodec;
import dev.phalanx.cluster.model.SplitSpec;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the {@code phalanx} admin commands do in etcd: read, validate (with the node's own codecs) and write routes
 * and pools with a compare-and-swap on the key's mod revision, and list the node status keys. Blocking calls with
 * a timeout; for command-line use, never on an event loop.
 */
public final class EtcdAdmin implements AutoCloseable {
    private static final long TIMEOUT_MS = 5000;

    private final Client client;
    private final EtcdKeys keys;

    /** A key as stored: {@code modRevision} 0 means absent. */
    public record Entry(String key, String id, String value, long modRevision) {
    }

    /** The outcome of a write: written, rejected by validation ({@code errors}), or a CAS conflict. */
    public record WriteResult(boolean written, long revision, List<ConfigError> errors, String conflict) {
    }

    /** etcd did not answer, or refused the call. */
    public static final class Unreachable extends Exception {
        public Unreachable(String message) {
            super(message);
        }
    }

    public EtcdAdmin(EtcdConfig config) {
        this.client = EtcdClients.build(config);
        this.keys = new EtcdKeys(config.prefix());
    }

    public EtcdKeys keys() {
        return keys;
    }

    /** Problems of a route or pool value written under {@code id} (empty: valid), the node's own validation. */
    public static List<ConfigError> validate(String kind, String path, byte[] value) {
        JsonNode json;
        try {
            json = SpecCodec.JSON.readTree(value);
        } catch (JsonProcessingException e) {
            return List.of(new ConfigError(path, "is not valid JSON: " + ConfigTrees.describe(e)));
        } catch (IOException e) {
            return List.of(new ConfigError(path, "cannot be read: " + e.getMessage()));
        }
        if (json == null || !json.isObject()) {
            return List.of(new ConfigError(path, "expected a JSON object"));
        }
        return kind.equals(EtcdKeys.ROUTES) ? RouteCodec.parse(json, path).errors()
                : PoolCodec.parse(json, path).errors();
    }

    /** The id written inside a value, or null when there is none. */
    public static String idOf(byte[] value) {
        try {
            JsonNode id = SpecCodec.JSON.readTree(value).get("id");
            return id != null && id.isTextual() ? id.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public Entry get(String kind, String id) throws Unreachable {
        String key = keys.key(kind, id);
        GetResponse r = call(client.getKVClient().get(EtcdKeys.bytes(key)));
        if (r.getKvs().isEmpty()) {
            return new Entry(key, id, null, 0);
        }
        KeyValue kv = r.getKvs().get(0);
        return new Entry(key, id, EtcdKeys.text(kv.getValue()), kv.getModRevision());
    }

    /** Every key of a kind ({@code routes}, {@code pools}, {@code nodes}), sorted by key. */
    public List<Entry> list(String kind) throws Unreachable {
        String dir = keys.dir(kind);
        GetResponse r = call(client.getKVClient().get(EtcdKeys.bytes(dir),
                GetOption.builder().withRange(EtcdKeys.prefixEnd(dir)).build()));
        List<Entry> out = new ArrayList<>();
        for (KeyValue kv : r.getKvs()) {
            String key = EtcdKeys.text(kv.getKey());
            out.add(new Entry(key, key.substring(dir.length()), EtcdKeys.text(kv.getValue()), kv.getModRevision()));
        }
        return out;
    }

    /** The current etcd revision and the newest mod revision among routes and pools (0 when there are none). */
    public long[] revisions() throws Unreachable {
        GetResponse r = call(client.getKVClient().get(keys.configRangeStart(),
                GetOption.builder().withRange(keys.configRangeEnd()).withKeysOnly(true).build()));
        long newest = r.getKvs().stream().mapToLong(KeyValue::getModRevision).max().orElse(0);
        return new long[] {r.getHeader().getRevision(), newest};
    }

    /**
     * Validates {@code value} and writes it under {@code <prefix>/<kind>/<id of the value>}, only if the key's mod
     * revision is still {@code expected} ({@code null}: the one read just before writing; 0: the key must not
     * exist). A route whose pools are not in etcd is refused: the nodes would not apply it.
     */
    public WriteResult put(String kind, byte[] value, Long expected) throws Unreachable {
        String id = idOf(value);
        String path = id == null ? keys.dir(kind) + "?" : keys.key(kind, id);
        List<ConfigError> errors = new ArrayList<>(validate(kind, path, value));
        if (id == null && errors.isEmpty()) {
            errors.add(new ConfigError(path, "has no id"));
        }
        if (!errors.isEmpty()) {
            return new WriteResult(false, 0, errors, null);
        }
        if (kind.equals(EtcdKeys.ROUTES)) {
            Parsed<RouteSpec> route = RouteCodec.parse(readQuietly(value), path);
            for (SplitSpec t : route.value().targets()) {
                if (get(EtcdKeys.POOLS, t.pool()).modRevision() == 0) {
                    errors.add(new ConfigError(path + (route.value().pool() != null ? ".pool" : ".split"),
                            "pool " + t.pool() + " does not exist in etcd; write the pool first"));
                }
            }
            if (!errors.isEmpty()) {
                return new WriteResult(false, 0, errors, null);
            }
        }
        long expect = expected != null ? expected : get(kind, id).modRevision();
        return swap(keys.key(kind, id), expect, Op.put(EtcdKeys.bytes(keys.key(kind, id)),
                ByteSequence.from(value), PutOption.DEFAULT));
    }

    /** Deletes {@code <prefix>/<kind>/<id>} if its mod revision is still {@code expected} (null: as read now). */
    public WriteResult delete(String kind, String id, Long expected) throws Unreachable {
        String key = keys.key(kind, id);
        long expect = expected != null ? expected : get(kind, id).modRevision();
        if (expect == 0) {
            return new WriteResult(false, 0, List.of(), key + " does not exist");
        }
        return swap(key, expect, Op.delete(EtcdKeys.bytes(key), DeleteOption.DEFAULT));
    }

    private WriteResult swap(String key, long expected, Op op) throws Unreachable {
        ByteSequence k = EtcdKeys.bytes(key);
        TxnResponse r = call(client.getKVClient().txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)))
                .Then(op)
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        if (r.isSucceeded()) {
            return new WriteResult(true, r.getHeader().getRevision(), List.of(), null);
        }
        long now = r.getGetResponses().isEmpty() || r.getGetResponses().get(0).getKvs().isEmpty() ? 0
                : r.getGetResponses().get(0).getKvs().get(0).getModRevision();
        return new WriteResult(false, r.getHeader().getRevision(), List.of(), key + " changed meanwhile: its mod"
                + " revision is " + now + ", expected " + expected + "; read it again and retry");
    }

    private static JsonNode readQuietly(byte[] value) {
        try {
            return SpecCodec.JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T call(java.util.concurrent.CompletableFuture<T> f) throws Unreachable {
        try {
            return f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw new Unreachable(EtcdClients.describe(e));
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
