package dev.phalanx.cluster.config;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/**
 * The etcd key layout (docs/contract.md#etcd-key-layout): {@code <prefix>/routes/<id>}, {@code <prefix>/pools/<id>}
 * and
 * {@code <prefix>/nodes/<node-id>}. The config source reads and watches one key range,
 * {@code [<prefix>/pools/, <prefix>/routes0)}, which holds both pools and routes (and never the node status keys,
 * so a node's own status writes never wake the watchers).
 */
public final class EtcdKeys {
    public static final String ROUTES = "routes";
    public static final String POOLS = "pools";
    public static final String NODES = "nodes";

    private final String prefix;

    public EtcdKeys(String prefix) {
        this.prefix = prefix.equals("/") ? "" : prefix;
    }

    public String prefix() {
        return prefix.isEmpty() ? "/" : prefix;
    }

    /** {@code <prefix>/<kind>/<id>}. */
    public String key(String kind, String id) {
        return prefix + "/" + kind + "/" + id;
    }

    /** {@code <prefix>/<kind>/}: the prefix of every key of that kind. */
    public String dir(String kind) {
        return prefix + "/" + kind + "/";
    }

    /** First key of the config range: {@code <prefix>/pools/}. */
    ByteSequence configRangeStart() {
        return bytes(dir(POOLS));
    }

    /** End (exclusive) of the config range: {@code <prefix>/routes0} ('0' follows '/'). */
    ByteSequence configRangeEnd() {
        return bytes(prefix + "/" + ROUTES + "0");
    }

    /** The range end that makes a range of every key starting with {@code dir} (its last byte plus one). */
    static ByteSequence prefixEnd(String dir) {
        byte[] b = dir.getBytes(StandardCharsets.UTF_8);
        b[b.length - 1]++;
        return ByteSequence.from(b);
    }

    /** {@code routes} or {@code pools} when {@code key} is one of those objects, else null. */
    String kindOf(String key) {
        if (key.startsWith(dir(ROUTES))) {
            return ROUTES;
        }
        if (key.startsWith(dir(POOLS))) {
            return POOLS;
        }
        return null;
    }

    /** The id part of a route or pool key (everything after {@code <prefix>/<kind>/}). */
    String idOf(String key, String kind) {
        return key.substring(dir(kind).length());
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }
}
