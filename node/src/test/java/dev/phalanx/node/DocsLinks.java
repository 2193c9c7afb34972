package dev.phalanx.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds broken links in the repository's documentation (docs/testing.md#the-documentation-check): relative
 * Markdown links whose file is missing or whose {@code #anchor} names no heading (GitHub's heading ids), and
 * {@code docs/...} paths named in a Markdown file or in a Java comment that do not exist. Links to other sites
 * are not followed. Directories named {@code target} and hidden directories are skipped.
 */
final class DocsLinks {
    /** An inline link or image: {@code [text](target "title")} or {@code [text](<target>)}. */
    private static final Pattern INLINE = Pattern.compile("!?\\[[^\\]]*]\\(\\s*(<[^>]*>|[^)\\s]+)(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** A reference definition: {@code [label]: target}. */
    private static final Pattern REFERENCE = Pattern.compile("^ {0,3}\\[[^\\]]+]:\\s*(<[^>]*>|\\S+)");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})(?:\\s+(.*?))?(?:\\s+#+)?\\s*$");
    private static final Pattern FENCE = Pattern.compile("^ {0,3}(`{3,}|~{3,})");
    /** A code span: a run of backticks, then anything but a blank line, then a run of the same length. */
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)((?:(?!\\n\\n).)+?)\\1", Pattern.DOTALL);
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:|^//");
    /** A path below {@code docs/} named in prose, with an optional anchor. */
    private static final Pattern DOCS_PATH =
            Pattern.compile("(?<![A-Za-z0-9_./-])docs/[A-Za-z0-9_./-]*[A-Za-z0-9_-](?:#[A-Za-z0-9_-]+)?");
    private static final Pattern LINE_ANCHOR = Pattern.compile("L\\d+(-L\\d+)?");

    private final Path root;
    private final Map<Path, Set<String>> anchors = new HashMap<>();
    private final Set<String> broken = new LinkedHashSet<>();

    private DocsLinks(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The repository root: the nearest folder at or above {@code start} whose {@code pom.xml} lists the node module. */
    static Path repositoryRoot(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(pom) && read(pom).contains("<module>node</module>")) {
                return dir;
            }
        }
        throw new IllegalStateException("no pom.xml with <module>node</module> at or above " + start);
    }

    /** Every broken link under {@code root}, one {@code file:line: target: problem} each, in file order. */
    static List<String> check(Path root) {
        DocsLinks links = new DocsLinks(root);
        for (Path file : links.files()) {
            String name = file.getFileName().toString();
            if (name.endsWith(".md")) {
                links.checkMarkdown(file);
            } else if (name.endsWith(".java")) {
                links.checkJava(file);
            }
        }
        return new ArrayList<>(links.broken);
    }

    /** GitHub's id of a heading: lower case, punctuation dropped, spaces turned into hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)]\\([^)]*\\)", "$1").replaceAll("<[^>]+>", "");
        StringBuilder out = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }

    private List<Path> files() {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !skipped(root.relativize(p)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean skipped(Path relative) {
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            String dir = relative.getName(i).toString();
            if (dir.equals("target") || dir.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private void checkMarkdown(Path file) {
        List<String> lines = read(file).lines().toList();
        boolean[] fenced = fenced(lines);
        StringBuilder prose = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            docsPaths(file, i + 1, lines.get(i));
            prose.append(fenced[i] ? "" : lines.get(i)).append('\n');
        }
        // code spans become x's of the same length (line breaks kept), so offsets still give line numbers
        Matcher code = CODE_SPAN.matcher(prose);
        StringBuilder text = new StringBuilder();
        while (code.find()) {
            code.appendReplacement(text, code.group().replaceAll("[^\n]", "x"));
        }
        code.appendTail(text);
        Matcher m = INLINE.matcher(text);
        while (m.find()) {
            target(file, lineOf(text, m.start(1)), m.group(1), file.getParent());
        }
        List<String> proseLines = text.toString().lines().toList();
        for (int i = 0; i < proseLines.size(); i++) {
            Matcher r = REFERENCE.matcher(proseLines.get(i));
            if (r.find()) {
                target(file, i + 1, r.group(1), file.getParent());
            }
        }
    }

    private static int lineOf(CharSequence text, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /** Which lines belong to a fenced code block, the fences included. */
    static boolean[] fenced(List<String> lines) {
        boolean[] fenced = new boolean[lines.size()];
        String fence = null;
        for (int i = 0; i < lines.size(); i++) {
            Matcher f = FENCE.matcher(lines.get(i));
            boolean isFence = f.find();
            if (fence == null && isFence) {
                fence = f.group(1);
                fenced[i] = true;
            } else if (fence != null) {
                fenced[i] = true;
                if (isFence && f.group(1).charAt(0) == fence.charAt(0) && f.group(1).length() >= fence.length()
                        && lines.get(i).substring(f.end()).isBlank()) {
                    fence = null;
                }
            }
        }
        return fenced;
    }

    private void checkJava(Path file) {
        String comments = JavaComments.of(read(file));
        List<String> lines = comments.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            docsPaths(file, i + 1, lines.get(i));
        }
    }

    private void docsPaths(Path file, int line, String text) {
        Matcher m = DOCS_PATH.matcher(text);
        while (m.find()) {
            target(file, line, m.group(), root);
        }
    }

    /** Checks one link target, relative to {@code base} (or to the root when it starts with {@code /}). */
    private void target(Path file, int line, String raw, Path base) {
        String target = raw.startsWith("<") ? raw.substring(1, raw.length() - 1) : raw;
        if (SCHEME.matcher(target).find()) {
            return;
        }
        int hash = target.indexOf('#');
        String path = decode(hash < 0 ? target : target.substring(0, hash));
        String anchor = hash < 0 ? null : decode(target.substring(hash + 1));
        Path resolved = path.isEmpty() ? file
                : (path.startsWith("/") ? root.resolve(path.substring(1)) : base.resolve(path)).normalize();
        String where = root.relativize(file) + ":" + line + ": " + target + ": ";
        if (!resolved.startsWith(root)) {
            broken.add(where + "points outside the repository");
        } else if (!Files.exists(resolved)) {
            broken.add(where + "no such file " + root.relativize(resolved));
        } else if (anchor != null && !anchor.isEmpty()) {
            if (resolved.getFileName().toString().endsWith(".md")) {
                if (!anchorsOf(resolved).contains(anchor)) {
                    broken.add(where + "no heading with the id \"" + anchor + "\" in " + root.relativize(resolved));
                }
            } else if (!LINE_ANCHOR.matcher(anchor).matches() || Files.isDirectory(resolved)) {
                broken.add(where + "an anchor into " + root.relativize(resolved) + ", which is not Markdown");
            }
        }
    }

    private Set<String> anchorsOf(Path markdown) {
        return anchors.computeIfAbsent(markdown, p -> {
            List<String> lines = read(p).lines().toList();
            boolean[] fenced = fenced(lines);
            Set<String> ids = new LinkedHashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < lines.size(); i++) {
                Matcher h = HEADING.matcher(lines.get(i));
                if (!fenced[i] && h.matches()) {
                    String base = slug(h.group(2) == null ? "" : h.group(2));
                    int n = seen.merge(base, 1, Integer::sum) - 1;
                    ids.add(n == 0 ? base : base + "-" + n);
                }
            }
            return ids;
        });
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
