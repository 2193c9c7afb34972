package dev.phalanx.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.phalanx.node.cache.Purge;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PurgeRequestTest {

    @Test
    void eachKindWithSchemeAndHostLowerCasedAndTheTimeout() {
        assertEquals(new PurgeRequest(new Purge(Purge.Kind.URL, "https://www.example.com:8443/A/b?C=D"),
                PurgeRequest.DEFAULT_TIMEOUT), PurgeRequest.parse("{\"url\": \"HTTPS://WWW.Example.COM:8443/A/b?C=D\"}"));
        assertEquals(new PurgeRequest(new Purge(Purge.Kind.PREFIX, "http://h.test"), Duration.ofMillis(500)),
                PurgeRequest.parse("{\"prefix\": \"http://H.test\", \"timeout\": \"500ms\"}"));
        assertEquals(new PurgeRequest(new Purge(Purge.Kind.TAG, "Product-42"), Duration.ofSeconds(60)),
                PurgeRequest.parse("{\"tag\": \" Product-42 \", \"timeout\": \"1m\"}"));
    }

    @Test
    void badBodiesNameWhatWasWrong() {
        bad("", "body: empty");
        bad("[1]", "body: expected a JSON object");
        bad("{\"url\": ", "body: not valid JSON");
        bad("{}", "body: give one of url, prefix and tag");
        bad("{\"url\": \"http://a.test/\", \"tag\": \"x\"}", "url, tag: give only one of url, prefix and tag");
        bad("{\"url\": \"/relative\"}", "url: \"/relative\" is not an absolute http:// or https:// URL");
        bad("{\"prefix\": \"http:///x\"}", "prefix: \"http:///x\" has no host");
        bad("{\"url\": \"http://a.test/#top\"}", "url: \"http://a.test/#top\" has a fragment");
        bad("{\"tag\": \"\"}", "tag: expected a non-empty string");
        bad("{\"tag\": [\"a\"]}", "tag: expected a non-empty string");
        bad("{\"tag\": \"a\", \"timeout\": 5}", "timeout: expected a duration");
        bad("{\"tag\": \"a\", \"timeout\": \"0s\"}", "timeout: 0s is not between 1ms and 60s");
        bad("{\"tag\": \"a\", \"tag\": \"b\"}", "body: not valid JSON (Duplicate field 'tag')");
        bad("{\"tags\": \"a\"}", "\"tags\": unknown field");
        bad("{\"tag\": \"" + "x".repeat(2049) + "\"}", "tag: longer than 2048 characters");
    }

    private static void bad(String body, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PurgeRequest.parse(body));
        assertEquals(true, e.getMessage().startsWith(message), e.getMessage());
    }
}
