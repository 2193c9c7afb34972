package dev.phalanx.chaos.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AptMirrorTest {
    @Test
    void deb822PicksTheParagraphThatServesTheSuite() {
        String text = "Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\n"
                + "Components: main\n\nTypes: deb deb-src\nURIs: http://mirror.invalid/debian\n"
                + "Suites: bookworm bookworm-updates\nComponents: main\n";
        assertEquals(Optional.of("http://mirror.invalid/debian"), AptMirror.find(text, true, "bookworm"));
        assertEquals(Optional.empty(), AptMirror.find(text, true, "trixie"));
    }

    @Test
    void oneLineFormatWithOptions() {
        String text = "# comment\ndeb-src http://a.invalid/debian bookworm main\n"
                + "deb [arch=amd64 signed-by=/k.gpg] http://b.invalid/debian bookworm main\n";
        assertEquals(Optional.of("http://b.invalid/debian"), AptMirror.find(text, false, "bookworm"));
    }

    @Test
    void disabledParagraphsAreSkipped() {
        String text = "Enabled: no\nTypes: deb\nURIs: http://c.invalid/debian\nSuites: bookworm\n";
        assertEquals(Optional.empty(), AptMirror.find(text, true, "bookworm"));
    }
}
