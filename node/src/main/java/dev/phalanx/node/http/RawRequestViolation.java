package dev.phalanx.node.http;

/**
 * User event fired by {@link RawRequestGuard} when request bytes break the rules; {@link RequestValidator}
 * answers it with 400 and closes. The offending bytes and everything after them never reach the decoder.
 */
public record RawRequestViolation(String reason) {
}
