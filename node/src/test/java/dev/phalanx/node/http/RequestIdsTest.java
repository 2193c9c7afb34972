package dev.phalanx.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
    @Test
    void newIdsAre32HexCharactersAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIds.next();
            assertTrue(id.matches("[0-9a-f]{32}"), id);
            assertTrue(RequestIds.isWellFormed(id));
            assertTrue(seen.add(id), "repeated id " + id);
        }
    }

    @Test
    void wellFormedMeansOneTo200AllowedCharacters() {
        assertTrue(RequestIds.isWellFormed("a"));
        assertTrue(RequestIds.isWellFormed("AZaz09._:+/=-"));
        assertTrue(RequestIds.isWellFormed("x".repeat(200)));
        assertFalse(RequestIds.isWellFormed("x".repeat(201)));
        assertFalse(RequestIds.isWellFormed(""));
        assertFalse(RequestIds.isWellFormed(null));
        for (char c : " \t\"\\;,<>{}\u00e9\u0000\u007f".toCharArray()) {
            assertFalse(RequestIds.isWellFormed("ab" + c), "char " + (int) c);
        }
        assertEquals(32, RequestIds.next().length());
    }
}
