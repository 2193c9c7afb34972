package dev.phalanx.node.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Which response fields are stored with an object: not the hop-by-hop ones, not {@code Age} (computed per hit). */
public final class StoredFields {
    private static final Set<String> NOT_STORED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "age", "proxy-authenticate", "proxy-authentication-info");

    private StoredFields() {
    }

    static boolean kept(String name) {
        return !NOT_STORED.contains(name.toLowerCase(Locale.ROOT));
    }

    /** A copy of {@code h} without the fields that are not stored, and without those the Connection field names. */
    public static HttpHeaders copy(HttpHeaders h) {
        Set<String> named = Set.of();
        String connection = h.get("connection");
        if (connection != null) {
            java.util.HashSet<String> n = new java.util.HashSet<>();
            for (String t : connection.split(",")) {
                n.add(t.trim().toLowerCase(Locale.ROOT));
            }
            named = n;
        }
        HttpHeaders out = new DefaultHttpHeaders();
        for (Map.Entry<String, String> e : h) {
            String name = e.getKey();
            if (kept(name) && !named.contains(name.toLowerCase(Locale.ROOT))) {
                out.add(name, e.getValue());
            }
        }
        return out;
    }
}
