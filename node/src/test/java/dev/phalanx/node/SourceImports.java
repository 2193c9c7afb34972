package dev.phalanx.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layering of {@link ArchitectureTest} checked on source text: every {@code dev.phalanx.node.<package>} named in
 * an import or in code (not in comments or strings) counts as a use of that package.
 */
final class SourceImports {
    private static final String NODE = "dev.phalanx.node";
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+dev\\.phalanx\\.node(?:\\.(\\w+))?[.\\w]*;",
            Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.phalanx\\.node\\.(\\w+)\\.");
    private static final Pattern COMMENTS_AND_STRINGS = Pattern.compile(
            "/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\])*\"", Pattern.DOTALL);

    private SourceImports() {
    }

    /** The node module's production sources (the test runs with the module directory as working directory). */
    static Map<Path, String> nodeSources() {
        Path root = Path.of("src/main/java/dev/phalanx/node");
        Map<Path, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                out.put(f, Files.readString(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no sources under " + root.toAbsolutePath());
        }
        return out;
    }

    /** The node packages (first segment under {@code dev.phalanx.node}; "root" for the package itself). */
    static Set<String> packagesOf(Map<Path, String> sources) {
        Set<String> out = new TreeSet<>();
        sources.values().forEach(text -> out.add(packageOf(text)));
        return out;
    }

    /** The other node packages a source file names, by their first segment. */
    static Set<String> references(String text) {
        String own = packageOf(text);
        String code = COMMENTS_AND_STRINGS.matcher(text).replaceAll(" ");
        Set<String> out = new TreeSet<>();
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
            String pkg = m.group(1);
            // a class of the root package (dev.phalanx.node.Node.VERSION) starts with a capital letter
            String target = Character.isUpperCase(pkg.charAt(0)) ? "root" : pkg;
            if (!target.equals(own)) {
                out.add(target);
            }
        }
        return out;
    }

    /** One line per use that the layering forbids: {@code file: package -> package (dev.phalanx.node.x...)}. */
    static List<String> violations(Map<Path, String> sources, List<List<String>> tiers,
                                   Map<String, List<String>> usedOnlyBy) {
        List<String> out = new ArrayList<>();
        sources.forEach((file, text) -> {
            String from = packageOf(text);
            for (String to : references(text)) {
                if (!allowed(from, to, tiers, usedOnlyBy)) {
                    out.add(file + ": " + from + " -> " + to + " (" + NODE + "." + to + "...)");
                }
            }
        });
        return out;
    }

    private static boolean allowed(String from, String to, List<List<String>> tiers,
                                   Map<String, List<String>> usedOnlyBy) {
        if (from.equals(to) || to.equals("metrics") && !from.equals("metrics")) {
            return true;
        }
        if (from.equals("metrics")) {
            return false;
        }
        if (usedOnlyBy.containsKey(to)) {
            return usedOnlyBy.get(to).contains(from);
        }
        int fromTier = tierOf(from, tiers);
        if (fromTier < 0) {
            return true; // root, admin and cli may use every tier
        }
        return tierOf(to, tiers) > fromTier;
    }

    private static int tierOf(String pkg, List<List<String>> tiers) {
        for (int t = 0; t < tiers.size(); t++) {
            if (tiers.get(t).contains(pkg)) {
                return t;
            }
        }
        return -1;
    }

    private static String packageOf(String text) {
        Matcher m = PACKAGE.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("no node package declaration");
        }
        return m.group(1) == null ? "root" : m.group(1);
    }
}
