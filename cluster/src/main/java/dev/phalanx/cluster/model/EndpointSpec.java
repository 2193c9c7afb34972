package dev.phalanx.cluster.model;

/** One backend address ({@code host:port}, IPv6 as {@code [::1]:8080}) and its relative weight (1 by default). */
public record EndpointSpec(String address, int weight) {
}
