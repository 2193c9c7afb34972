package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed reading of the fields of one JSON/YAML object that collects every problem as a {@link ConfigError} with its
 * path instead of stopping at the first. A field that is absent or JSON {@code null} takes its default. Fields that
 * are not known are reported (typo protection) with the list of known ones and the closest known name.
 */
final class JsonFields {

    private final JsonNode node;
    private final String path;
    private final List<ConfigError> errors;

    private JsonFields(JsonNode node, String path, List<ConfigError> errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
    }

    /**
     * Reads {@code node} as an object with the {@code known} fields. When it is not an object, that is reported and
     * the returned reader behaves as if the object were empty.
     */
    static JsonFields of(JsonNode node, String path, List<ConfigError> errors, List<String> known) {
        if (node == null || !node.isObject()) {
            errors.add(new ConfigError(path, "expected an object with fields " + String.join(", ", known)
                    + ", got " + describe(node)));
            return new JsonFields(MissingNode.getInstance(), path, errors);
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add(new ConfigError(child(path, name), unknownFieldMessage(name, known)));
            }
        }
        return new JsonFields(node, path, errors);
    }

    static String child(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    static String unknownFieldMessage(String name, List<String> known) {
        String closest = closest(name, known);
        return "unknown field" + (closest == null ? "" : " (did you mean " + closest + "?)")
                + "; known fields: " + String.join(", ", known);
    }

    String path() {
        return path;
    }

    String path(String field) {
        return child(path, field);
    }

    List<ConfigError> errors() {
        return errors;
    }

    void error(String field, String message) {
        errors.add(new ConfigError(path(field), message));
    }

    /** @return the field's value, or null when it is absent or JSON null */
    JsonNode get(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.isMissingNode() ? null : v;
    }

    boolean has(String field) {
        return get(field) != null;
    }

    String string(String field, String def) {
        JsonNode v = get(field);
        if (v == null) {
            return def;
        }
        if (!v.isTextual()) {
            error(field, expected("a string", v));
            return def;
        }
        return v.textValue();
    }

    Integer integer(String field, Integer def, long min, long max) {
        Long v = longValue(field, def == null ? null : def.longValue(), min, max);
        return v == null ? null : v.intValue();
    }

    Long longValue(String field, Long def, long min, long max) {
        JsonNode v = get(field);
        if (v == null) {
            return def;
        }
        return wholeNumber(v, path(field), min, max, errors, def);
    }

    Boolean bool(String field, Boolean def) {
        JsonNode v = get(field);
        if (v == null) {
            return def;
        }
        if (!v.isBoolean()) {
            error(field, expected("true or false", v));
            return def;
        }
        return v.booleanValue();
    }

    /** A duration string; {@code positive} rejects zero. */
    Duration duration(String field, Duration def, boolean positive) {
        JsonNode v = get(field);
        if (v == null) {
            return def;
        }
        return duration(v, path(field), positive, errors, def);
    }

    /** The field as a nested object reader, or null when it is absent (a non-object is reported). */
    JsonFields object(String field, List<String> known) {
        JsonNode v = get(field);
        return v == null ? null : of(v, path(field), errors, known);
    }

    /** The field's elements, or null when absent; a non-list is reported and gives an empty list. */
    List<JsonNode> list(String field) {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            error(field, expected("a list", v));
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>(v.size());
        v.forEach(out::add);
        return out;
    }

    /** The field's entries in document order, or null when absent; a non-object is reported. */
    List<Map.Entry<String, JsonNode>> entries(String field) {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            error(field, expected("an object of names to values", v));
            return List.of();
        }
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>(v.size());
        out.addAll(v.properties());
        return out;
    }

    // ---- element helpers, also used for list elements and map values ----

    static Long wholeNumber(JsonNode v, String path, long min, long max, List<ConfigError> errors, Long def) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            errors.add(new ConfigError(path, expected("a whole number", v)));
            return def;
        }
        long n = v.longValue();
        if (n < min || n > max) {
            errors.add(new ConfigError(path, n + " is outside " + range(min, max)));
            return def;
        }
        return n;
    }

    static Duration duration(JsonNode v, String path, boolean positive, List<ConfigError> errors, Duration def) {
        if (!v.isTextual()) {
            errors.add(new ConfigError(path, describe(v) + " is not a duration like 250ms, 2s, 1m"));
            return def;
        }
        try {
            Duration d = Durations.parse(v.textValue());
            if (positive && d.isZero()) {
                errors.add(new ConfigError(path, "must be more than 0s"));
                return def;
            }
            return d;
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(path, e.getMessage()));
            return def;
        }
    }

    /** A string element, or null after reporting a non-string. */
    static String text(JsonNode v, String path, List<ConfigError> errors) {
        if (v == null || !v.isTextual()) {
            errors.add(new ConfigError(path, expected("a string", v)));
            return null;
        }
        return v.textValue();
    }

    /** A scalar written where text is meant (header values): strings and numbers are accepted as text. */
    static String scalarText(JsonNode v, String path, List<ConfigError> errors) {
        if (v != null && (v.isTextual() || v.isNumber())) {
            return v.asText();
        }
        errors.add(new ConfigError(path, expected("a string", v)));
        return null;
    }

    static String expected(String what, JsonNode got) {
        String hint = got != null && got.isBoolean()
                ? " (in YAML, quote words like \"yes\", \"no\", \"on\", \"off\": unquoted they are booleans)" : "";
        return "expected " + what + ", got " + describe(got) + hint;
    }

    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isNull()) {
            return "null";
        }
        if (v.isTextual()) {
            return "\"" + v.textValue() + "\"";
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return "a list";
        }
        return v.asText();
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
            return "the allowed range (at least " + min + ")";
        }
        return min + ".." + max;
    }

    /** The known name closest to {@code name} (same letters ignoring case, or at most 2 edits), else null. */
    private static String closest(String name, List<String> known) {
        String best = null;
        // short names are one or two edits away from many others: suggest only near misses
        int bestDistance = name.length() <= 4 ? 2 : 3;
        for (String k : known) {
            int d = k.equalsIgnoreCase(name) ? 0
                    : editDistance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT), bestDistance);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        // a plural/singular slip is worth suggesting even when the names are long
        if (best == null) {
            for (String k : known) {
                if (k.equals(name + "s") || name.equals(k + "s")) {
                    return k;
                }
            }
        }
        return best;
    }

    /** Levenshtein distance, giving up (returning {@code limit}) once it reaches {@code limit}. */
    private static int editDistance(String a, String b, int limit) {
        if (Math.abs(a.length() - b.length()) >= limit || a.length() > 64 || b.length() > 64) {
            return limit;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin >= limit) {
                return limit;
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return Math.min(prev[b.length()], limit);
    }
}
