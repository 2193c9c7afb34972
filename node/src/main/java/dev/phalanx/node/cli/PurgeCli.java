package dev.phalanx.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.cluster.model.ConfigException;
import dev.phalanx.cluster.model.HostPort;
import dev.phalanx.cluster.model.NodeConfig;
import dev.phalanx.cluster.model.NodeConfigLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code phalanx purge --url URL | --prefix URL | --tag TAG [--timeout 2s] [--admin HOST:PORT] [--token-file F]
 * [--config FILE.yaml] [--json]}: asks one node's admin API ({@code POST /cache/purge}) to purge on every node and
 * prints who applied it and who did not. The admin address and token come from {@code --admin} and
 * {@code --token-file} (or env {@code PHALANX_ADMIN_TOKEN}), else from the node config ({@code admin.bind},
 * {@code admin.token}), else {@code 127.0.0.1:9901} without a token.
 * Exit codes: 0 every node applied it, 1 some node did not (or it was not logged in the grid), 2 usage, refused
 * or no answer.
 */
public final class PurgeCli {
    static final int OK = 0;
    static final int INCOMPLETE = 1;
    static final int USAGE = 2;
    static final String USAGE_TEXT = """
                   java -jar phalanx-node.jar purge --url URL | --prefix URL | --tag TAG [--timeout 2s]
                                 [--admin HOST:PORT] [--token-file FILE] [--config FILE.yaml] [--json]""";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final PrintStream err;

    public PurgeCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public int run(String[] args) {
        String field = null;
        String value = null;
        for (String f : new String[] {"url", "prefix", "tag"}) {
            String v = Options.value(args, "--" + f);
            if (v != null) {
                if (field != null) {
                    return usage("give only one of --url, --prefix and --tag");
                }
                field = f;
                value = v;
            }
        }
        if (field == null) {
            return usage("purge needs --url URL, --prefix URL or --tag TAG");
        }
        NodeConfig config = null;
        String file = Options.configFile(args);
        String admin = Options.value(args, "--admin");
        String token = null;
        String tokenFile = Options.value(args, "--token-file");
        if (tokenFile != null) {
            try {
                token = Files.readString(Path.of(tokenFile)).strip();
            } catch (IOException e) {
                err.println("phalanx: --token-file " + tokenFile + ": cannot be read: " + e.getMessage());
                return USAGE;
            }
        } else if (System.getenv("PHALANX_ADMIN_TOKEN") != null) {
            token = System.getenv("PHALANX_ADMIN_TOKEN").strip();
        }
        if (file != null && (admin == null || token == null)) {
            try {
                config = NodeConfigLoader.load(Path.of(file));
            } catch (ConfigException e) {
                err.println("phalanx: bad config " + file + ":");
                e.errors().forEach(x -> err.println(x));
                return USAGE;
            }
        }
        if (admin == null) {
            HostPort bind = config != null ? config.admin().bind() : new HostPort("127.0.0.1", 9901);
            String host = bind.host().equals("0.0.0.0") || bind.host().equals("::") ? "127.0.0.1" : bind.host();
            admin = (host.contains(":") ? "[" + host + "]" : host) + ":" + bind.port();
        }
        if (token == null && config != null && config.admin().token() != null && !config.admin().token().isEmpty()) {
            token = config.admin().token();
        }
        var body = JSON.createObjectNode().put(field, value);
        String timeout = Options.value(args, "--timeout");
        if (timeout != null) {
            body.put("timeout", timeout);
        }
        return send(admin, token, body.toString(), java.util.Arrays.asList(args).contains("--json"));
    }

    private int send(String admin, String token, String body, boolean raw) {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create("http://" + admin + "/cache/purge"))
                    .timeout(Duration.ofSeconds(75))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
        } catch (IllegalArgumentException e) {
            return usage("--admin " + admin + ": not a HOST:PORT");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("phalanx: admin API at " + admin + " did not answer: " + e);
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return USAGE;
        }
        if (response.statusCode() != 200) {
            err.println("phalanx: " + admin + " answered " + response.statusCode() + ": " + response.body().strip());
            return USAGE;
        }
        JsonNode r;
        try {
            r = JSON.readTree(response.body());
        } catch (IOException e) {
            err.println("phalanx: " + admin + " answered something that is not JSON: " + response.body());
            return USAGE;
        }
        if (raw) {
            out.println(r.toString());
        } else {
            print(r);
        }
        return r.path("generation").asLong() > 0 && r.path("missing").isEmpty() ? OK : INCOMPLETE;
    }

    private void print(JsonNode r) {
        long generation = r.path("generation").asLong();
        out.println((generation > 0 ? "purge generation " + generation : "purge (no generation: not logged)")
                + ", scope " + r.path("scope").asText());
        for (JsonNode a : r.path("applied")) {
            out.printf("  %-20s applied, %d removed%n", a.path("node").asText(), a.path("removed").asInt());
        }
        for (JsonNode m : r.path("missing")) {
            out.printf("  %-20s MISSING (no acknowledgement in time)%n", m.asText());
        }
        if (r.hasNonNull("note")) {
            out.println("  note: " + r.path("note").asText());
        }
    }

    private int usage(String problem) {
        err.println("phalanx: " + problem + "\nusage:\n" + USAGE_TEXT);
        return USAGE;
    }
}
