package dev.phalanx.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every relative link in the repository's Markdown, and every {@code docs/...} path named in Markdown or in a Java
 * comment, resolves (docs/testing.md#the-documentation-check).
 */
class DocsLinksTest {

    @Test
    void everyDocumentationLinkResolves() {
        Path root = DocsLinks.repositoryRoot(Path.of(""));
        assertTrue(Files.isRegularFile(root.resolve("README.md")), "README.md at the repository root " + root);
        assertTrue(Files.isDirectory(root.resolve("docs")), "docs/ at the repository root " + root);
        List<String> broken = DocsLinks.check(root);
        assertTrue(broken.isEmpty(), broken.size() + " broken documentation link(s):\n  " + String.join("\n  ", broken));
    }

    @Test
    void brokenLinksAreListedWithFileLineAndReason(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("pom.xml"), "<modules><module>node</module></modules>");
        Files.createDirectories(dir.resolve("docs"));
        Files.createDirectories(dir.resolve("node/target"));
        Files.writeString(dir.resolve("docs/a.md"), """
                # Page A
                ## Same
                ## Same
                ### The `phalanx` commands: HTTP/2 & more
                Back to [the start](../README.md#start) and [a section](#same-1), [missing](#same-2).
                [up and out](../../elsewhere.md)
                A [link whose text
                is wrapped](wrapped.md) and `code that
                wraps [x](lines.md)`.
                """);
        Files.writeString(dir.resolve("README.md"), """
                # Start
                See [A](docs/a.md), [its commands](docs/a.md#the-phalanx-commands-http2--more),
                [nothing](docs/nothing.md) and [a bad anchor](docs/a.md#nope).
                Sites are not followed: [web](https://example.com/x.md), <https://example.com>.
                `[in code](docs/gone.md)` is still a named path.
                ```sh
                [in a fence](fenced.md)
                # not a heading
                ```
                [ref]: docs/ref.md
                ![picture](img/p.png)
                """);
        Files.writeString(dir.resolve("Example.java"), """
                /** See docs/a.md#page-a and docs/b.md. */
                class Example {
                    String s = "docs/in-a-string.md // docs/also-a-string.md";
                    char c = '"'; // docs/after-a-char.md#x
                    /* docs/a.md#nope */
                }
                """);
        Files.writeString(dir.resolve("node/target/Built.java"), "// docs/skipped.md");

        assertEquals(List.of(
                "Example.java:1: docs/b.md: no such file docs/b.md",
                "Example.java:4: docs/after-a-char.md#x: no such file docs/after-a-char.md",
                "Example.java:5: docs/a.md#nope: no heading with the id \"nope\" in docs/a.md",
                "README.md:3: docs/nothing.md: no such file docs/nothing.md",
                "README.md:3: docs/a.md#nope: no heading with the id \"nope\" in docs/a.md",
                "README.md:5: docs/gone.md: no such file docs/gone.md",
                "README.md:10: docs/ref.md: no such file docs/ref.md",
                "README.md:11: img/p.png: no such file img/p.png",
                "docs/a.md:5: #same-2: no heading with the id \"same-2\" in docs/a.md",
                "docs/a.md:6: ../../elsewhere.md: points outside the repository",
                "docs/a.md:8: wrapped.md: no such file docs/wrapped.md"),
                DocsLinks.check(dir));
    }

    @Test
    void slugsFollowGitHub() {
        assertEquals("grid-shared-state-across-nodes", DocsLinks.slug("Grid: shared state across nodes"));
        assertEquals("the-phalanx-admin-commands", DocsLinks.slug("The `phalanx` admin commands"));
        assertEquals("413--414--431", DocsLinks.slug("413 / 414 / 431"));
        assertEquals("http2", DocsLinks.slug("HTTP/2"));
        assertEquals("client-certificates-mtls", DocsLinks.slug("Client certificates (mTLS)"));
        assertEquals("see-docs", DocsLinks.slug("See [docs](docs/a.md)"));
        assertEquals("snake_case-too", DocsLinks.slug("snake_case too"));
    }

    @Test
    void javaCommentsKeepTheirPlaceAndStringsAreBlanked() {
        String source = "int a; // one\nString s = \"/* no */\"; /* two\nthree */ char c = '\\'';";
        String comments = JavaComments.of(source);
        assertEquals(source.length(), comments.length());
        assertEquals(List.of(" ".repeat(7) + "// one", " ".repeat(23) + "/* two", "three */"),
                comments.lines().map(String::stripTrailing).toList());
    }

    @Test
    void theRootIsTheFolderWithTheNodeModule(@TempDir Path dir) throws IOException {
        Path module = Files.createDirectories(dir.resolve("node"));
        Files.writeString(module.resolve("pom.xml"), "<artifactId>phalanx-node</artifactId>");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DocsLinks.repositoryRoot(module));
        assertTrue(e.getMessage().contains("<module>node</module>"), e.getMessage());

        Files.writeString(dir.resolve("pom.xml"), "<modules><module>node</module></modules>");
        assertEquals(dir.toAbsolutePath().normalize(), DocsLinks.repositoryRoot(module));
    }
}
