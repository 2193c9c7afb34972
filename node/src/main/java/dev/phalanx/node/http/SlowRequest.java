package dev.phalanx.node.http;

/**
 * User event fired by the slow-client deadlines ({@link Http1Deadlines}, {@link Http2Deadlines}) when a request's
 * head did not arrive within {@code limits.requestHeadTimeout}, or its body came slower than
 * {@code limits.requestBodyMinRate}; {@link RequestValidator} answers it with 408 (when no response started yet)
 * and closes the connection (HTTP/2: the stream).
 *
 * @param reason a short fixed text for the error body and the operator
 */
public record SlowRequest(String reason) {
}
