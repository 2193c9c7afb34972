package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Parses {@code requestHeaders} / {@code responseHeaders} ({@code set}, {@code remove}). Names are lower-cased.
 * Connection-level and framing headers cannot be set, since the proxy owns them; the request {@code host} is
 * changed with {@code hostRewrite} instead.
 */
final class HeaderOpsCodec {

    static final List<String> FIELDS = List.of("set", "remove");
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

    private HeaderOpsCodec() {
    }

    static HeaderOpsSpec parse(JsonNode json, String path, boolean request, List<ConfigError> errors) {
        if (json == null || json.isNull()) {
            return HeaderOpsSpec.NONE;
        }
        JsonFields f = JsonFields.of(json, path, errors, FIELDS);
        TreeMap<String, String> set = new TreeMap<>();
        List<Map.Entry<String, JsonNode>> entries = f.entries("set");
        for (Map.Entry<String, JsonNode> e : entries == null ? List.<Map.Entry<String, JsonNode>>of() : entries) {
            String p = f.path("set") + "." + e.getKey();
            String value = JsonFields.scalarText(e.getValue(), p, errors);
            String name = e.getKey().toLowerCase(Locale.ROOT);
            String problem = Syntax.headerNameProblem(e.getKey());
            if (problem == null) {
                problem = setProblem(name, request);
            }
            if (problem == null && value != null) {
                problem = Syntax.headerValueProblem(value);
            }
            if (problem != null) {
                errors.add(new ConfigError(p, problem));
            } else if (value != null && set.put(name, value) != null) {
                errors.add(new ConfigError(p, "header " + name + " is set twice (names ignore case)"));
            }
        }
        LinkedHashSet<String> remove = new LinkedHashSet<>();
        List<JsonNode> items = f.list("remove");
        for (int i = 0; items != null && i < items.size(); i++) {
            String p = f.path("remove") + "[" + i + "]";
            String name = JsonFields.text(items.get(i), p, errors);
            if (name == null) {
                continue;
            }
            String problem = Syntax.headerNameProblem(name);
            String lower = name.toLowerCase(Locale.ROOT);
            if (problem == null && (FRAMING.contains(lower) || (request && lower.equals("host")))) {
                problem = "header " + lower + " cannot be removed: the proxy needs it to frame the message";
            }
            if (problem != null) {
                errors.add(new ConfigError(p, problem));
            } else {
                remove.add(lower);
            }
        }
        if (set.isEmpty() && remove.isEmpty()) {
            return HeaderOpsSpec.NONE;
        }
        return new HeaderOpsSpec(Collections.unmodifiableMap(new LinkedHashMap<>(set)), List.copyOf(remove));
    }

    private static String setProblem(String name, boolean request) {
        if (Syntax.HOP_BY_HOP.contains(name)) {
            return "header " + name + " is hop-by-hop (it belongs to one connection) and cannot be set";
        }
        if (FRAMING.contains(name)) {
            return "header " + name + " frames the message and cannot be set";
        }
        if (request && name.equals("host")) {
            return "the host header cannot be set here; use hostRewrite";
        }
        return null;
    }
}
