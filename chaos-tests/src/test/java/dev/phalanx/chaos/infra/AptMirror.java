package dev.phalanx.chaos.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Debian mirror this machine's apt uses, read from its own sources at run time (never written into the repo).
 * {@code -Dchaos.aptMirror=URL} overrides it.
 */
public final class AptMirror {
    private AptMirror() {
    }

    public static String forSuite(String suite) {
        String override = System.getProperty("chaos.aptMirror", "");
        if (!override.isBlank()) {
            return override;
        }
        Path etc = Path.of("/etc/apt");
        List<Path> files = new ArrayList<>();
        Path list = etc.resolve("sources.list");
        if (Files.isRegularFile(list)) {
            files.add(list);
        }
        Path dir = etc.resolve("sources.list.d");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".sources") || p.toString().endsWith(".list")).sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (Path f : files) {
            Optional<String> uri = find(read(f), f.toString().endsWith(".sources"), suite);
            if (uri.isPresent()) {
                return uri.get();
            }
        }
        throw new IllegalStateException("no apt source for suite " + suite + " in " + files
                + "; the base image needs a Debian mirror: pass -Dchaos.aptMirror=URL");
    }

    /** The first {@code deb} URI that serves {@code suite}, from deb822 ({@code .sources}) or one-line text. */
    static Optional<String> find(String text, boolean deb822, String suite) {
        if (deb822) {
            for (String paragraph : text.split("\\n\\s*\\n")) {
                String types = field(paragraph, "Types");
                String uris = field(paragraph, "URIs");
                String suites = field(paragraph, "Suites");
                String enabled = field(paragraph, "Enabled");
                if (Arrays.asList(types.split("\\s+")).contains("deb") && !enabled.equalsIgnoreCase("no")
                        && Arrays.asList(suites.split("\\s+")).contains(suite) && !uris.isBlank()) {
                    return Optional.of(uris.split("\\s+")[0]);
                }
            }
            return Optional.empty();
        }
        for (String line : text.split("\\n")) {
            String l = line.strip();
            if (!l.startsWith("deb ")) {
                continue;
            }
            l = l.substring(4).strip();
            if (l.startsWith("[")) {
                int end = l.indexOf(']');
                l = end < 0 ? "" : l.substring(end + 1).strip();
            }
            String[] parts = l.split("\\s+");
            if (parts.length >= 2 && parts[1].equals(suite)) {
                return Optional.of(parts[0]);
            }
        }
        return Optional.empty();
    }

    private static String field(String paragraph, String name) {
        for (String line : paragraph.split("\\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return "";
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }
}
