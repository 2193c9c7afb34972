package dev.phalanx.chaos.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/** A node's admin API from the test (on the node's own address, with the bearer token). */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final String token;

    public AdminClient(String token) {
        this.token = token;
    }

    public record Answer(int status, String body) {
    }

    /** GET a path; empty when the node does not answer within 2 s. */
    public Optional<Answer> get(String nodeIp, String path) {
        return send(HttpRequest.newBuilder(uri(nodeIp, path)).GET());
    }

    public Optional<Answer> post(String nodeIp, String path, String body) {
        return send(HttpRequest.newBuilder(uri(nodeIp, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Optional<JsonNode> json(String nodeIp, String path) {
        return get(nodeIp, path).filter(a -> a.status() == 200).map(a -> {
            try {
                return JSON.readTree(a.body());
            } catch (IOException e) {
                throw new IllegalStateException(path + " on " + nodeIp + " is not JSON: " + a.body(), e);
            }
        });
    }

    private Optional<Answer> send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(2))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            return Optional.of(new Answer(r.statusCode(), r.body()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static URI uri(String nodeIp, String path) {
        return URI.create("http://" + nodeIp + ":" + Topology.ADMIN_PORT + path);
    }
}
