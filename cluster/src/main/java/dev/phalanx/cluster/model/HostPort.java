package dev.phalanx.cluster.model;

/** A bind or member address: host (name, IPv4, or IPv6 without brackets) and port. */
public record HostPort(String host, int port) {
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
