package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads and writes a route's {@code cache} object (docs/cache.md): {@code enabled}, {@code maxObjectBytes},
 * {@code methods}, {@code statuses}, {@code key: {headers, cookies}}, {@code staleWhileRevalidate},
 * {@code staleIfError}, {@code tagHeaders}, {@code coalesceWait}; every problem is reported with its exact path,
 * e.g. {@code routes[api].cache.methods[0]: "POST" is not a method the cache answers; use GET, HEAD}.
 */
public final class CacheCodec {
    public static final List<String> FIELDS = List.of("enabled", "maxObjectBytes", "methods", "statuses", "key",
            "staleWhileRevalidate", "staleIfError", "tagHeaders", "coalesceWait");
    private static final List<String> KEY_FIELDS = List.of("headers", "cookies");
    /** Request fields that cannot be a key addition: the key has them already, or they are per hop. */
    private static final List<String> NOT_KEY_HEADERS = List.of("host", "connection", "content-length",
            "transfer-encoding", "te", "upgrade", "keep-alive", "proxy-connection");

    private CacheCodec() {
    }

    /** @return the spec, or null when the route has no cache (absent, {@code false} or {@code enabled: false}) */
    static CacheSpec parse(JsonNode json, String path, List<ConfigError> errors) {
        if (json == null || json.isNull()) {
            return null;
        }
        if (json.isBoolean()) { // cache: true, the short way to turn it on with the defaults
            return json.booleanValue() ? CacheSpec.DEFAULT : null;
        }
        JsonFields f = JsonFields.of(json, path, errors, FIELDS);
        CacheSpec d = CacheSpec.DEFAULT;
        boolean enabled = Boolean.TRUE.equals(f.bool("enabled", true));
        long maxObject = f.longValue("maxObjectBytes", d.maxObjectBytes(), 1, 1L << 30);
        List<String> methods = methods(f);
        List<Integer> statuses = statuses(f);
        List<String> keyHeaders = List.of();
        List<String> keyCookies = List.of();
        JsonFields key = f.object("key", KEY_FIELDS);
        if (key != null) {
            keyHeaders = names(key, "headers", true);
            keyCookies = names(key, "cookies", false);
        }
        Duration swr = f.duration("staleWhileRevalidate", d.staleWhileRevalidate(), false);
        Duration sie = f.duration("staleIfError", d.staleIfError(), false);
        List<String> tagHeaders = f.has("tagHeaders") ? names(f, "tagHeaders", true) : d.tagHeaders();
        Duration coalesce = f.duration("coalesceWait", d.coalesceWait(), false);
        if (coalesce != null && coalesce.compareTo(Duration.ofMinutes(1)) > 0) {
            f.error("coalesceWait", Durations.format(coalesce) + " is longer than 1m; a waiting request holds its"
                    + " client that long");
        }
        if (!enabled) {
            return null;
        }
        return new CacheSpec(maxObject, methods, statuses, keyHeaders, keyCookies, swr, sie, tagHeaders, coalesce);
    }

    private static List<String> methods(JsonFields f) {
        List<JsonNode> items = f.list("methods");
        if (items == null) {
            return CacheSpec.METHODS;
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("methods") + "[" + i + "]";
            String m = JsonFields.text(items.get(i), p, f.errors());
            if (m == null) {
                continue;
            }
            String upper = m.toUpperCase(Locale.ROOT);
            if (!CacheSpec.METHODS.contains(upper)) {
                f.errors().add(new ConfigError(p, "\"" + m + "\" is not a method the cache answers; use "
                        + String.join(", ", CacheSpec.METHODS)));
            } else if (!out.contains(upper)) {
                out.add(upper);
            }
        }
        if (items.isEmpty()) {
            f.error("methods", "is empty; list GET (and HEAD), or set enabled: false");
        }
        return List.copyOf(out);
    }

    private static List<Integer> statuses(JsonFields f) {
        List<JsonNode> items = f.list("statuses");
        if (items == null) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("statuses") + "[" + i + "]";
            Long code = JsonFields.wholeNumber(items.get(i), p, 200, 599, f.errors(), null);
            if (code == null) {
                continue;
            }
            if (code == 206 || code == 304) {
                f.errors().add(new ConfigError(p, code + " is never stored (partial content and not-modified"
                        + " answers update or complete a stored object, they are not one)"));
            } else if (!out.contains(code.intValue())) {
                out.add(code.intValue());
            }
        }
        return List.copyOf(out);
    }

    /** Header (lower-cased) or cookie names. */
    private static List<String> names(JsonFields f, String field, boolean headers) {
        List<JsonNode> items = f.list(field);
        if (items == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path(field) + "[" + i + "]";
            String name = JsonFields.text(items.get(i), p, f.errors());
            if (name == null) {
                continue;
            }
            if (!Syntax.isToken(name)) {
                f.errors().add(new ConfigError(p, "\"" + name + "\" is not a " + (headers ? "header" : "cookie")
                        + " name"));
                continue;
            }
            String n = headers ? name.toLowerCase(Locale.ROOT) : name;
            if (headers && field.equals("headers") && NOT_KEY_HEADERS.contains(n)) {
                f.errors().add(new ConfigError(p, n + " cannot be added to the key (the host is in it already;"
                        + " the others describe one connection)"));
            } else if (!out.contains(n)) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    /** The JSON form, every field written out (the inverse of {@link #parse}); null for a route without a cache. */
    static ObjectNode toJson(CacheSpec c) {
        if (c == null) {
            return null;
        }
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("enabled", true);
        o.put("maxObjectBytes", c.maxObjectBytes());
        c.methods().forEach(o.putArray("methods")::add);
        c.statuses().forEach(o.putArray("statuses")::add);
        ObjectNode key = o.putObject("key");
        c.keyHeaders().forEach(key.putArray("headers")::add);
        c.keyCookies().forEach(key.putArray("cookies")::add);
        o.put("staleWhileRevalidate", Durations.format(c.staleWhileRevalidate()));
        o.put("staleIfError", Durations.format(c.staleIfError()));
        c.tagHeaders().forEach(o.putArray("tagHeaders")::add);
        o.put("coalesceWait", Durations.format(c.coalesceWait()));
        return o;
    }
}
