package dev.phalanx.node;

/**
 * The comments of a Java source file, in place: {@link #of} keeps every character of a {@code //} or
 * {@code /* ... *}{@code /} comment (Javadoc included) and turns everything else into spaces, keeping the line
 * breaks, so line numbers still match the file. String literals, text blocks and character literals are code, so a
 * {@code "//"} inside a string starts no comment.
 */
final class JavaComments {
    private JavaComments() {
    }

    static String of(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("\"\"\"", i)) {
                i = blank(source, i, literalEnd(source, i + 3, "\"\"\""), out);
            } else if (c == '"' || c == '\'') {
                i = blank(source, i, literalEnd(source, i + 1, String.valueOf(c)), out);
            } else {
                out.append(c == '\n' ? '\n' : ' ');
                i++;
            }
        }
        return out.toString();
    }

    /** The index just past the closing {@code quote} of a literal whose content starts at {@code from}. */
    private static int literalEnd(String source, int from, String quote) {
        int i = from;
        while (i < source.length()) {
            if (source.charAt(i) == '\\') {
                i += 2;
            } else if (source.startsWith(quote, i)) {
                return i + quote.length();
            } else if (source.charAt(i) == '\n' && quote.length() == 1) {
                return i; // an unterminated literal ends at the line break (the compiler would refuse it)
            } else {
                i++;
            }
        }
        return source.length();
    }

    private static int blank(String source, int from, int to, StringBuilder out) {
        for (int i = from; i < to; i++) {
            out.append(source.charAt(i) == '\n' ? '\n' : ' ');
        }
        return to;
    }
}
