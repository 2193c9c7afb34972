package dev.phalanx.node.compression;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The media types a route compresses, compiled from its {@code compression.types}: exact types
 * ({@code text/html}), families ({@code text/*}) and structured-syntax suffixes ({@code *}{@code /*+json}). Matches
 * a {@code Content-Type} value by its type and subtype, case-insensitively, ignoring parameters. Immutable.
 */
public final class MediaTypes {
    private final Set<String> exact = new HashSet<>();
    private final Set<String> families = new HashSet<>();
    private final Set<String> suffixes = new HashSet<>();

    private MediaTypes(List<String> patterns) {
        for (String p : patterns) {
            String t = p.toLowerCase(Locale.ROOT);
            if (t.startsWith("*/*+")) {
                suffixes.add(t.substring(3)); // "+json"
            } else if (t.endsWith("/*")) {
                families.add(t.substring(0, t.length() - 1)); // "text/"
            } else {
                exact.add(t);
            }
        }
    }

    public static MediaTypes of(List<String> patterns) {
        return new MediaTypes(patterns);
    }

    /** Whether the {@code Content-Type} value names a type this set holds; false for null or a malformed value. */
    public boolean matches(CharSequence contentType) {
        if (contentType == null) {
            return false;
        }
        String v = contentType.toString();
        int end = v.indexOf(';');
        if (end < 0) {
            end = v.length();
        }
        String type = v.substring(0, end).trim().toLowerCase(Locale.ROOT);
        int slash = type.indexOf('/');
        if (slash <= 0 || slash == type.length() - 1) {
            return false;
        }
        if (exact.contains(type) || families.contains(type.substring(0, slash + 1))) {
            return true;
        }
        int plus = type.lastIndexOf('+');
        return plus > slash && suffixes.contains(type.substring(plus));
    }
}
