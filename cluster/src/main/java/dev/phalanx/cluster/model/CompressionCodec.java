package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads and writes a route's {@code compression} object (docs/compression.md): {@code enabled}, {@code encodings},
 * {@code levels: {gzip, br, zstd}}, {@code minLength}, {@code types}; every problem is reported with its exact path,
 * e.g. {@code routes[api].compression.levels.br: 12 is out of range 0..11}.
 */
public final class CompressionCodec {
    public static final List<String> FIELDS = List.of("enabled", "encodings", "levels", "minLength", "types");
    private static final List<String> LEVEL_FIELDS = List.of("gzip", "br", "zstd");

    private CompressionCodec() {
    }

    /** @return the spec, {@link CompressionSpec#DEFAULT} when {@code json} is null */
    static CompressionSpec parse(JsonNode json, String path, List<ConfigError> errors) {
        if (json == null || json.isNull()) {
            return CompressionSpec.DEFAULT;
        }
        if (json.isBoolean()) { // compression: false, the short way to turn it off
            return json.booleanValue() ? CompressionSpec.DEFAULT : CompressionSpec.OFF;
        }
        JsonFields f = JsonFields.of(json, path, errors, FIELDS);
        CompressionSpec d = CompressionSpec.DEFAULT;
        boolean enabled = Boolean.TRUE.equals(f.bool("enabled", true));
        List<String> encodings = encodings(f);
        int gzip = d.gzipLevel();
        int br = d.brLevel();
        int zstd = d.zstdLevel();
        JsonFields levels = f.object("levels", LEVEL_FIELDS);
        if (levels != null) {
            gzip = levels.integer("gzip", gzip, 1, 9);
            br = levels.integer("br", br, 0, 11);
            zstd = levels.integer("zstd", zstd, 1, 22);
        }
        long minLength = f.longValue("minLength", d.minLength(), 0, Long.MAX_VALUE);
        List<String> types = types(f);
        return new CompressionSpec(enabled, encodings, gzip, br, zstd, minLength, types);
    }

    private static List<String> encodings(JsonFields f) {
        List<JsonNode> items = f.list("encodings");
        if (items == null) {
            return CompressionSpec.ENCODINGS;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("encodings") + "[" + i + "]";
            String name = JsonFields.text(items.get(i), p, f.errors());
            if (name == null) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (!CompressionSpec.ENCODINGS.contains(lower)) {
                f.errors().add(new ConfigError(p, "\"" + name + "\" is not a content coding the node produces; use "
                        + String.join(", ", CompressionSpec.ENCODINGS)));
            } else if (out.contains(lower)) {
                f.errors().add(new ConfigError(p, lower + " is listed twice"));
            } else {
                out.add(lower);
            }
        }
        if (items.isEmpty()) {
            f.error("encodings", "is empty; list at least one of " + String.join(", ", CompressionSpec.ENCODINGS)
                    + ", or set enabled: false");
        }
        return List.copyOf(out);
    }

    private static List<String> types(JsonFields f) {
        List<JsonNode> items = f.list("types");
        if (items == null) {
            return CompressionSpec.DEFAULT_TYPES;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("types") + "[" + i + "]";
            String type = JsonFields.text(items.get(i), p, f.errors());
            if (type == null) {
                continue;
            }
            String lower = type.trim().toLowerCase(Locale.ROOT);
            String problem = typeProblem(lower);
            if (problem != null) {
                f.errors().add(new ConfigError(p, "\"" + type + "\" " + problem));
            } else if (!out.contains(lower)) {
                out.add(lower);
            }
        }
        return List.copyOf(out);
    }

    /** Null when {@code t} is {@code type/subtype}, {@code type/*} or {@code *}{@code /*+suffix}. */
    static String typeProblem(String t) {
        int slash = t.indexOf('/');
        String expected = "is not a media type like text/html, a family like text/*, or a suffix like */*+json";
        if (slash <= 0 || slash == t.length() - 1 || t.indexOf(';') >= 0) {
            return expected;
        }
        String type = t.substring(0, slash);
        String sub = t.substring(slash + 1);
        if (type.equals("*")) {
            return sub.startsWith("*+") && Syntax.isToken(sub.substring(2)) ? null : expected;
        }
        if (!Syntax.isToken(type)) {
            return expected;
        }
        return sub.equals("*") || Syntax.isToken(sub) && !sub.contains("*") ? null : expected;
    }

    /** The JSON form, every field written out (the inverse of {@link #parse}). */
    static ObjectNode toJson(CompressionSpec c) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("enabled", c.enabled());
        c.encodings().forEach(o.putArray("encodings")::add);
        o.putObject("levels").put("gzip", c.gzipLevel()).put("br", c.brLevel()).put("zstd", c.zstdLevel());
        o.put("minLength", c.minLength());
        c.types().forEach(o.putArray("types")::add);
        return o;
    }
}
