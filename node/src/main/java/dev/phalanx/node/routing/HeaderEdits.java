package dev.phalanx.node.routing;

import dev.phalanx.cluster.model.HeaderOpsSpec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Map;

/**
 * A route's compiled header edits for one direction: names to remove, then names to set (replacing any value).
 * Names and values are {@link AsciiString}s made once per config, so applying them neither hashes strings nor
 * encodes chars again per request.
 */
public final class HeaderEdits {
    public static final HeaderEdits NONE = new HeaderEdits(new AsciiString[0], new AsciiString[0], new AsciiString[0]);

    private final AsciiString[] remove;
    private final AsciiString[] setNames;
    private final AsciiString[] setValues;

    private HeaderEdits(AsciiString[] remove, AsciiString[] setNames, AsciiString[] setValues) {
        this.remove = remove;
        this.setNames = setNames;
        this.setValues = setValues;
    }

    /**
     * @param where the config path for error messages, e.g. {@code routes[api].requestHeaders}
     * @throws IllegalArgumentException for a name that is not an HTTP token or a value with CR, LF or NUL
     */
    static HeaderEdits compile(HeaderOpsSpec spec, String where) {
        if (spec == null || spec.isEmpty()) {
            return NONE;
        }
        AsciiString[] remove = new AsciiString[spec.remove().size()];
        for (int i = 0; i < remove.length; i++) {
            remove[i] = name(spec.remove().get(i), where + ".remove");
        }
        int n = spec.set().size();
        AsciiString[] names = new AsciiString[n];
        AsciiString[] values = new AsciiString[n];
        int i = 0;
        for (Map.Entry<String, String> e : spec.set().entrySet()) {
            names[i] = name(e.getKey(), where + ".set");
            values[i] = value(e.getValue(), where + ".set." + e.getKey());
            i++;
        }
        return new HeaderEdits(remove, names, values);
    }

    public boolean isEmpty() {
        return remove.length == 0 && setNames.length == 0;
    }

    /** Applies the edits to HTTP/1.1 headers: removals first, then sets. */
    public void apply(HttpHeaders headers) {
        for (AsciiString name : remove) {
            headers.remove(name);
        }
        for (int i = 0; i < setNames.length; i++) {
            headers.set(setNames[i], setValues[i]);
        }
    }

    /** Applies the edits to HTTP/2 headers (names are already lower case, as HTTP/2 requires). */
    public void apply(Http2Headers headers) {
        for (AsciiString name : remove) {
            headers.remove(name);
        }
        for (int i = 0; i < setNames.length; i++) {
            headers.set(setNames[i], setValues[i]);
        }
    }

    public List<AsciiString> removedNames() {
        return List.of(remove);
    }

    /** Names set, in the same order as {@link #setValues()}. */
    public List<AsciiString> setNames() {
        return List.of(setNames);
    }

    public List<AsciiString> setValues() {
        return List.of(setValues);
    }

    static AsciiString name(String name, String where) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(where + ": a header name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) {
                throw new IllegalArgumentException(where + ": \"" + name + "\" is not a valid header name");
            }
        }
        return AsciiString.of(name.toLowerCase(java.util.Locale.ROOT));
    }

    private static AsciiString value(String value, String where) {
        if (value == null) {
            throw new IllegalArgumentException(where + ": the value is missing");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xFF) {
                throw new IllegalArgumentException(where + ": the value has a line break, NUL or non-Latin-1 character");
            }
        }
        return new AsciiString(value);
    }

    /** RFC 9110 tchar. */
    private static boolean isTokenChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
