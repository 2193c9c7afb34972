package dev.phalanx.cluster.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigSnapshot;
import dev.phalanx.cluster.model.ConfigTrees;
import dev.phalanx.cluster.model.SnapshotAssembler;
import dev.phalanx.cluster.model.SnapshotAssembler.Candidate;
import dev.phalanx.cluster.model.SpecCodec;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The route and pool keys of etcd as this node last saw them, each parsed once when it changes (a 10,000-route
 * config is not re-parsed from text on every change). Errors are reported under the full key
 * ({@code /phalanx/routes/api.timeouts.connect: ...}). Used by one thread only.
 */
final class EtcdConfigState {
    private final EtcdKeys keys;
    private final Map<String, Candidate> routes = new HashMap<>();
    private final Map<String, Candidate> pools = new HashMap<>();

    EtcdConfigState(EtcdKeys keys) {
        this.keys = keys;
    }

    void clear() {
        routes.clear();
        pools.clear();
    }

    /** A key was written; keys outside routes/ and pools/ are ignored. @return whether it was a config key */
    boolean put(String key, byte[] value) {
        Map<String, Candidate> map = mapOf(key);
        if (map == null) {
            return false;
        }
        map.put(keys.idOf(key, keys.kindOf(key)), candidate(key, value));
        return true;
    }

    /** @return whether it was a config key */
    boolean delete(String key) {
        Map<String, Candidate> map = mapOf(key);
        if (map == null) {
            return false;
        }
        map.remove(keys.idOf(key, keys.kindOf(key)));
        return true;
    }

    int size() {
        return routes.size() + pools.size();
    }

    /** Validates every object; an invalid one keeps its version from {@code previous} (see SnapshotAssembler). */
    ConfigSnapshot assemble(long revision, ConfigSnapshot previous) {
        return SnapshotAssembler.assemble("etcd", revision, routes, pools, List.of(), previous);
    }

    private Map<String, Candidate> mapOf(String key) {
        String kind = keys.kindOf(key);
        if (kind == null) {
            return null;
        }
        return kind.equals(EtcdKeys.ROUTES) ? routes : pools;
    }

    static Candidate candidate(String key, byte[] value) {
        if (value.length == 0) {
            return Candidate.broken(key, List.of(new ConfigError(key, "is empty; expected a JSON object")));
        }
        try {
            JsonNode json = SpecCodec.JSON.readTree(value);
            if (json == null || !json.isObject()) {
                return Candidate.broken(key, List.of(new ConfigError(key, "expected a JSON object")));
            }
            return Candidate.of(json, key);
        } catch (JsonProcessingException e) {
            return Candidate.broken(key, List.of(new ConfigError(key, "is not valid JSON: " + ConfigTrees.describe(e))));
        } catch (IOException | RuntimeException e) {
            return Candidate.broken(key, List.of(new ConfigError(key, "cannot be parsed: " + e.getMessage())));
        }
    }
}
