package dev.phalanx.node.routing;

import java.util.Map;

/**
 * A read-only open-addressing hash map from lower-case host names (or {@code .suffix}es) to values, looked up by
 * a region of a caller's string, ignoring ASCII case. This lets the request path find {@code api.example.com} in
 * {@code API.Example.com:8443}, and each wildcard suffix of a host, without lower-casing or cutting the string.
 */
final class HostKeyMap<V> {
    private final String[] keys;
    private final Object[] values;
    private final int mask;
    private final int size;

    /** @param entries keys in lower case */
    HostKeyMap(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(2, entries.size() * 2 - 1)) << 1;
        keys = new String[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        size = entries.size();
        for (Map.Entry<String, V> e : entries.entrySet()) {
            String key = e.getKey();
            int slot = hash(key, 0, key.length()) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = e.getValue();
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The value of the key equal (ignoring ASCII case) to {@code s[from, to)}, or null. */
    @SuppressWarnings("unchecked")
    V get(String s, int from, int to) {
        int slot = hash(s, from, to) & mask;
        String key;
        while ((key = keys[slot]) != null) {
            if (regionEquals(key, s, from, to)) {
                return (V) values[slot];
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }

    private static boolean regionEquals(String key, String s, int from, int to) {
        int len = to - from;
        if (key.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (key.charAt(i) != lower(s.charAt(from + i))) {
                return false;
            }
        }
        return true;
    }

    static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + lower(s.charAt(i));
        }
        // spread the bits (murmur3 fmix32): the table uses the low bits only
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
