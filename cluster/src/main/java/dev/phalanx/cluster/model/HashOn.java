package dev.phalanx.cluster.model;

/**
 * What {@code consistent-hash} hashes: {@code client-ip}, {@code header:NAME}, {@code cookie:NAME} or {@code path}.
 * {@code name} is the header name (lower case) or cookie name, null otherwise.
 */
public record HashOn(Kind kind, String name) {
    public enum Kind { CLIENT_IP, HEADER, COOKIE, PATH }

    /** The config spelling, e.g. {@code header:x-user}. */
    public String configValue() {
        return switch (kind) {
            case CLIENT_IP -> "client-ip";
            case PATH -> "path";
            case HEADER -> "header:" + name;
            case COOKIE -> "cookie:" + name;
        };
    }
}
