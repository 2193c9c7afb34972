package dev.phalanx.node.compression;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.cluster.model.CompressionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaTypesTest {
    private final MediaTypes defaults = MediaTypes.of(CompressionSpec.DEFAULT_TYPES);

    @Test
    void usualTextTypesByDefault() {
        for (String t : List.of("text/html", "text/html; charset=utf-8", "TEXT/CSS", "text/plain;charset=us-ascii",
                "application/javascript", "text/javascript", "application/json", "application/xml", "text/xml",
                "image/svg+xml", "application/problem+json", "application/vnd.api+json", "application/atom+xml",
                " application/json ; charset=utf-8")) {
            assertTrue(defaults.matches(t), t);
        }
    }

    @Test
    void compressedAndBinaryTypesNot() {
        for (String t : List.of("image/png", "image/jpeg", "application/zip", "application/gzip", "video/mp4",
                "application/octet-stream", "font/woff2", "application/json+zip", "text", "/json", "text/", "")) {
            assertFalse(defaults.matches(t), t);
        }
        assertFalse(defaults.matches(null));
    }

    @Test
    void familiesAndSuffixes() {
        MediaTypes m = MediaTypes.of(List.of("text/*", "*/*+yaml", "application/x-ndjson"));
        assertTrue(m.matches("text/anything"));
        assertTrue(m.matches("application/openapi+yaml"));
        assertTrue(m.matches("application/x-ndjson"));
        assertFalse(m.matches("application/json"));
        assertFalse(m.matches("texts/plain"));
    }
}
