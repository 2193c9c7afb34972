package dev.phalanx.node.cache;

/**
 * How long a stored response may be used, worked out when it is stored (RFC 9111 §4.2): its freshness
 * {@code lifetime}, whether every use must be validated first ({@code noCache}), whether it may never be served
 * stale ({@code mustRevalidate}: {@code must-revalidate}, {@code proxy-revalidate} or {@code s-maxage}, §5.2.2.2,
 * §5.2.2.8, §5.2.2.10), and how long past its lifetime it may be served while refreshed in the background or instead
 * of an error (RFC 5861, or the route's defaults). All milliseconds.
 */
public record Freshness(long lifetime, boolean noCache, boolean mustRevalidate, long staleWhileRevalidate,
                        long staleIfError) {

    /** Whether it is fresh at {@code age}. */
    public boolean fresh(long age) {
        return age < lifetime;
    }
}
