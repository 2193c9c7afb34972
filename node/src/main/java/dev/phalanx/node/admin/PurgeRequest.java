package dev.phalanx.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.phalanx.cluster.model.Durations;
import dev.phalanx.node.cache.Purge;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code POST /cache/purge}: exactly one of {@code "url"}, {@code "prefix"} (absolute http:// or https://
 * URLs; scheme and host are lower-cased as the cache keys them) and {@code "tag"}, and optionally {@code "timeout"}
 * (how long to wait for the other nodes' acknowledgements: a duration like {@code 500ms} or {@code 2s}, at most
 * 60 s; default 2 s).
 */
public record PurgeRequest(Purge purge, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);
    static final List<String> FIELDS = List.of("url", "prefix", "tag", "timeout");
    static final String EXAMPLE = "{\"url\": \"https://www.example.com/a?b=1\"} or {\"prefix\": "
            + "\"https://www.example.com/img/\"} or {\"tag\": \"product-42\", \"timeout\": \"5s\"}";

    /**
     * Reads and checks a request body.
     *
     * @throws IllegalArgumentException with one line {@code field: what is wrong} for the first problem found
     */
    public static PurgeRequest parse(String body) {
        JsonNode root = JsonBody.object(body, EXAMPLE);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException(quoted(name) + ": unknown field; the fields are url, prefix, tag"
                        + " (one of them) and timeout");
            }
        }
        List<String> given = FIELDS.subList(0, 3).stream().filter(root::has).toList();
        if (given.size() != 1) {
            throw new IllegalArgumentException((given.isEmpty() ? "body: give one of url, prefix and tag"
                    : String.join(", ", given) + ": give only one of url, prefix and tag") + ", like " + EXAMPLE);
        }
        String field = given.get(0);
        JsonNode v = root.get(field);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(field + ": expected a non-empty string");
        }
        String value = v.asText().strip();
        if (value.length() > 2048) {
            throw new IllegalArgumentException(field + ": longer than 2048 characters");
        }
        Purge.Kind kind = Purge.Kind.valueOf(field.toUpperCase(Locale.ROOT));
        if (kind != Purge.Kind.TAG) {
            value = normalizeUrl(field, value);
        }
        Purge purge;
        try {
            purge = new Purge(kind, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
        return new PurgeRequest(purge, timeout(root.get("timeout")));
    }

    /** Scheme and host in lower case; the rest as given. */
    static String normalizeUrl(String field, String url) {
        int colon = url.indexOf("://");
        String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(field + ": \"" + url + "\" is not an absolute http:// or https:// URL");
        }
        int hostStart = colon + 3;
        int hostEnd = url.length();
        for (int i = hostStart; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                hostEnd = i;
                break;
            }
        }
        if (hostEnd == hostStart) {
            throw new IllegalArgumentException(field + ": \"" + url + "\" has no host");
        }
        if (url.indexOf('#') >= 0) {
            throw new IllegalArgumentException(field + ": \"" + url + "\" has a fragment; the cache keys no fragments");
        }
        return scheme + "://" + url.substring(hostStart, hostEnd).toLowerCase(Locale.ROOT) + url.substring(hostEnd);
    }

    private static Duration timeout(JsonNode v) {
        if (v == null || v.isNull()) {
            return DEFAULT_TIMEOUT;
        }
        Duration d;
        if (!v.isTextual()) {
            throw new IllegalArgumentException("timeout: expected a duration like \"500ms\" or \"2s\"");
        }
        try {
            d = Durations.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("timeout: " + e.getMessage());
        }
        if (d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout: " + v.asText() + " is not between 1ms and 60s");
        }
        return d;
    }

    private static String quoted(String name) {
        String shown = name.length() > 40 ? name.substring(0, 40) + "..." : name;
        return "\"" + shown.replaceAll("[^\\x20-\\x7e]", "?") + "\"";
    }
}
