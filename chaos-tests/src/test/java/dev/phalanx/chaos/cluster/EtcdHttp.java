package dev.phalanx.chaos.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * etcd 3.4's JSON gateway (/v3/kv/put, /v3/kv/range, /v3/maintenance/status) from the test: writes routes and pools
 * as an operator would, finds the leader. Each call tries the members in turn until one answers.
 */
public final class EtcdHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> endpoints;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();

    public EtcdHttp(List<String> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    /** Puts a key; returns the revision of the write. */
    public long put(String key, String value) {
        JsonNode r = call("/v3/kv/put", Map.of("key", b64(key), "value", b64(value)));
        return r.path("header").path("revision").asLong();
    }

    /** Deletes every key under a prefix; returns the revision. */
    public long deletePrefix(String prefix) {
        JsonNode r = call("/v3/kv/deleterange", Map.of("key", b64(prefix), "range_end", b64(rangeEnd(prefix))));
        return r.path("header").path("revision").asLong();
    }

    /** Value and mod revision of a key, if it exists. */
    public Optional<Map.Entry<String, Long>> get(String key) {
        JsonNode r = call("/v3/kv/range", Map.of("key", b64(key)));
        JsonNode kvs = r.path("kvs");
        if (kvs.size() == 0) {
            return Optional.empty();
        }
        JsonNode kv = kvs.get(0);
        return Optional.of(Map.entry(new String(Base64.getDecoder().decode(kv.path("value").asText()),
                StandardCharsets.UTF_8), kv.path("mod_revision").asLong()));
    }

    /** How many keys there are under a prefix. */
    public long count(String prefix) {
        JsonNode r = call("/v3/kv/range", Map.of("key", b64(prefix), "range_end", b64(rangeEnd(prefix)),
                "count_only", true));
        return r.path("count").asLong();
    }

    /** Values of every key under a prefix. */
    public List<String> values(String prefix) {
        JsonNode r = call("/v3/kv/range", Map.of("key", b64(prefix), "range_end", b64(rangeEnd(prefix))));
        List<String> out = new ArrayList<>();
        r.path("kvs").forEach(kv -> out.add(new String(Base64.getDecoder().decode(kv.path("value").asText()),
                StandardCharsets.UTF_8)));
        return out;
    }

    /** The member id of the current leader as the given member sees it, if it answers. */
    public Optional<String> status(String endpoint) {
        try {
            JsonNode r = post(endpoint, "/v3/maintenance/status", Map.of());
            return Optional.of(r.path("header").path("member_id").asText() + "/" + r.path("leader").asText());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** True when the member answers /health with health true. */
    public boolean healthy(String endpoint) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/health"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"true\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode call(String path, Map<String, ?> body) {
        IOException last = null;
        for (String e : endpoints) {
            try {
                return post(e, path, body);
            } catch (IOException ex) {
                last = ex;
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
        }
        throw new IllegalStateException("no etcd member answered " + path + ": " + (last == null ? "" : last.getMessage()));
    }

    private JsonNode post(String endpoint, String path, Map<String, ?> body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + path))
                .timeout(Duration.ofSeconds(3))
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(endpoint + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String rangeEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }
}
