package dev.phalanx.cluster.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.ConfigError;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.ConfigTrees;
import dev.phalanx.cluster.model.Parsed;
import dev.phalanx.cluster.model.PoolCodec;
import dev.phalanx.cluster.model.RouteCodec;
import dev.phalanx.cluster.model.SnapshotAssembler.Candidate;
import dev.phalanx.cluster.model.Syntax;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The routes file of standalone mode: YAML (or JSON when the name ends in {@code .json}) with a top-level
 * {@code routes:} list and {@code pools:} list of the objects described in docs/contract.md#routes-and-pools.
 * This class splits it into per-id candidates for {@link dev.phalanx.cluster.model.SnapshotAssembler}. Problems
 * with the file as a whole (syntax, an unknown top-level key, an empty file) throw: then nothing from it may be
 * applied, since a half-read file would silently delete routes.
 */
final class RoutesFile {

    static final String PATH = "routes file";

    /** The objects of the file by id, plus problems of entries that cannot be keyed (no usable id). */
    record Contents(Map<String, Candidate> routes, Map<String, Candidate> pools, List<ConfigError> errors) {
    }

    private RoutesFile() {
    }

    static Contents parse(byte[] bytes, Path file) throws ConfigException {
        boolean json = file.getFileName() != null && file.getFileName().toString().endsWith(".json");
        JsonNode tree = json ? ConfigTrees.readJson(bytes, PATH) : ConfigTrees.readYaml(bytes, PATH);
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw whole("is empty; write \"routes: []\" and \"pools: []\" to serve no routes");
        }
        if (!tree.isObject()) {
            throw whole("expected an object with the lists routes and pools");
        }
        List<ConfigError> problems = new ArrayList<>();
        Iterator<String> names = tree.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!name.equals("routes") && !name.equals("pools")) {
                problems.add(new ConfigError(PATH, "unknown top-level key \"" + name + "\"; known keys: routes, pools"
                        + " (nothing was applied, so that a typo cannot delete every route)"));
            }
        }
        for (String name : List.of("routes", "pools")) {
            JsonNode list = tree.get(name);
            if (list != null && !list.isNull() && !list.isArray()) {
                problems.add(new ConfigError(PATH, name + " must be a list"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        List<ConfigError> errors = new ArrayList<>();
        Map<String, Candidate> routes = candidates(tree.get("routes"), "routes", errors,
                (node, path) -> RouteCodec.parse(node, path));
        Map<String, Candidate> pools = candidates(tree.get("pools"), "pools", errors,
                (node, path) -> PoolCodec.parse(node, path));
        return new Contents(routes, pools, errors);
    }

    private static Map<String, Candidate> candidates(JsonNode list, String kind, List<ConfigError> errors,
                                                     BiFunction<JsonNode, String, Parsed<?>> parser) {
        Map<String, Candidate> out = new LinkedHashMap<>();
        if (list == null || list.isNull()) {
            return out;
        }
        Map<String, Integer> firstIndex = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            JsonNode idNode = entry.isObject() ? entry.get("id") : null;
            String id = idNode != null && idNode.isTextual() && Syntax.idProblem(idNode.textValue()) == null
                    ? idNode.textValue() : null;
            if (id == null) {
                // cannot be keyed, so there is no last good version to keep: report all its problems by index
                errors.addAll(parser.apply(entry, kind + "[" + i + "]").errors());
                continue;
            }
            String path = kind + "[" + id + "]";
            Integer first = firstIndex.putIfAbsent(id, i);
            if (first != null) {
                out.put(id, Candidate.broken(path, List.of(new ConfigError(path, "id " + id + " is used by "
                        + kind + "[" + first + "] and " + kind + "[" + i + "]; ids must be unique"))));
            } else {
                out.put(id, Candidate.of(entry, path));
            }
        }
        return out;
    }

    private static ConfigException whole(String message) {
        return new ConfigException(List.of(new ConfigError(PATH, message)));
    }
}
