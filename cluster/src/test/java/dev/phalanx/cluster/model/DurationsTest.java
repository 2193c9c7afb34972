package dev.phalanx.cluster.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @Test
    void parsesSingleUnits() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(2), Durations.parse("2s"));
        assertEquals(Duration.ofMinutes(1), Durations.parse("1m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ZERO, Durations.parse("0s"));
        assertEquals(Duration.ofSeconds(2), Durations.parse(" 2s "));
    }

    @Test
    void parsesCombinations() {
        assertEquals(Duration.ofSeconds(90), Durations.parse("1m30s"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1s500ms"));
        assertEquals(Duration.ofMillis(3_723_004), Durations.parse("1h2m3s4ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("90s"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5 seconds", "", "2", "s", "1.5s", "-1s", "1500us", "30s1m", "1s1s", "1d", "2S",
            "1m 30s", "99999999999999h", "0x10s"})
    void rejectsWithOperatorMessage(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
        assertEquals("\"" + text + "\" is not a duration like 250ms, 2s, 1m", e.getMessage());
    }

    @Test
    void formatsCanonically() {
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("1m", Durations.format(Duration.ofSeconds(60)));
        assertEquals("1m30s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("1h", Durations.format(Duration.ofMinutes(60)));
        assertEquals("1s500ms", Durations.format(Duration.ofMillis(1500)));
        assertEquals("0s", Durations.format(Duration.ZERO));
        assertEquals("25h", Durations.format(Duration.ofHours(25)));
    }

    @Test
    void roundTrips() {
        long[] samples = {1, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_000L * 3 + 17};
        for (long ms : samples) {
            Duration d = Duration.ofMillis(ms);
            assertEquals(d, Durations.parse(Durations.format(d)), Durations.format(d));
        }
    }

    @Test
    void rejectsNegativeOnFormat() {
        assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(-1)));
    }
}
