package dev.phalanx.node.admin;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Predicate;

/**
 * The admin token rule: with a non-empty token, a call from a peer that is not trusted without one (by default: not
 * loopback) must carry {@code Authorization: Bearer <token>}. The presented token and the configured one are compared
 * as SHA-256 digests with {@link MessageDigest#isEqual}, so the time taken reveals neither a matching prefix nor the
 * token's length.
 */
final class BearerAuth {
    private static final String SCHEME = "Bearer";

    private final byte[] tokenDigest;
    private final Predicate<InetAddress> trustedWithoutToken;

    /**
     * @param token               the configured token; null or empty = every call is allowed
     * @param trustedWithoutToken peers that need no token (production: {@link InetAddress#isLoopbackAddress})
     */
    BearerAuth(String token, Predicate<InetAddress> trustedWithoutToken) {
        this.tokenDigest = token == null || token.isEmpty() ? null : sha256(token);
        this.trustedWithoutToken = trustedWithoutToken;
    }

    boolean tokenRequired() {
        return tokenDigest != null;
    }

    /**
     * @param peer          the peer's address, null when unknown (then a token is required)
     * @param authorization the {@code Authorization} header, null when absent
     */
    boolean allows(InetAddress peer, String authorization) {
        if (tokenDigest == null || (peer != null && trustedWithoutToken.test(peer))) {
            return true;
        }
        String presented = bearerToken(authorization);
        return presented != null && MessageDigest.isEqual(tokenDigest, sha256(presented));
    }

    /** The token of a {@code Bearer} credential (scheme case-insensitive, RFC 7235), or null. */
    static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() <= SCHEME.length() || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                || value.charAt(SCHEME.length()) != ' ') {
            return null;
        }
        String token = value.substring(SCHEME.length() + 1).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
