package dev.phalanx.node.routing;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The path-prefix routes of one host, in a character trie: a lookup walks the request path down the trie as far
 * as it matches (one step per character, at most the longest prefix deep) and then back up through parent links,
 * so the longest matching prefix is tried first, then shorter ones, without scanning unrelated prefixes and
 * without allocating. Prefixes are plain string prefixes ({@code /api} matches {@code /api/x} and {@code /apix}).
 */
final class PrefixTrie {
    private static final char[] NO_KEYS = new char[0];
    private static final Node[] NO_CHILDREN = new Node[0];

    private static final class Node {
        final Node parent;
        /** Child keys, sorted, with their nodes at the same index. */
        char[] keys = NO_KEYS;
        Node[] children = NO_CHILDREN;
        /** Routes whose prefix ends here, in precedence order; null when none. */
        Route[] routes;

        Node(Node parent) {
            this.parent = parent;
        }

        Node child(char c) {
            int i = Arrays.binarySearch(keys, c);
            return i >= 0 ? children[i] : null;
        }

        Node childOrNew(char c) {
            int i = Arrays.binarySearch(keys, c);
            if (i >= 0) {
                return children[i];
            }
            int at = -i - 1;
            Node node = new Node(this);
            char[] k = new char[keys.length + 1];
            Node[] n = new Node[children.length + 1];
            System.arraycopy(keys, 0, k, 0, at);
            System.arraycopy(children, 0, n, 0, at);
            k[at] = c;
            n[at] = node;
            System.arraycopy(keys, at, k, at + 1, keys.length - at);
            System.arraycopy(children, at, n, at + 1, children.length - at);
            keys = k;
            children = n;
            return node;
        }
    }

    private final Node root = new Node(null);
    private final boolean empty;

    /** @param byPrefix routes per prefix, each list already in precedence order */
    PrefixTrie(Map<String, List<Route>> byPrefix) {
        for (Map.Entry<String, List<Route>> e : byPrefix.entrySet()) {
            Node node = root;
            String prefix = e.getKey();
            for (int i = 0; i < prefix.length(); i++) {
                node = node.childOrNew(prefix.charAt(i));
            }
            node.routes = e.getValue().toArray(new Route[0]);
        }
        empty = byPrefix.isEmpty();
    }

    /** The route of the longest prefix of {@code path} whose filters accept the request, or null. */
    Route match(String path, String method, HttpHeaders headers) {
        if (empty) {
            return null;
        }
        Node node = root;
        for (int i = 0, len = path.length(); i < len; i++) {
            Node next = node.child(path.charAt(i));
            if (next == null) {
                break;
            }
            node = next;
        }
        for (; node != null; node = node.parent) {
            Route[] routes = node.routes;
            if (routes != null) {
                for (Route r : routes) {
                    if (r.accepts(method, headers)) {
                        return r;
                    }
                }
            }
        }
        return null;
    }
}
