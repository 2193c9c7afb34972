package dev.phalanx.cluster.model;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address block such as {@code 127.0.0.1/32} or {@code ::1/128}. A bare address means a single host.
 * {@link #contains} is allocation-free so it can run on the request path.
 */
public record Cidr(byte[] network, int prefixLength, String text) {

    /** @throws IllegalArgumentException with a message naming what is wrong */
    public static Cidr parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        if (addr.isEmpty() || !(Character.digit(addr.charAt(0), 16) >= 0 || addr.charAt(0) == ':')) {
            throw new IllegalArgumentException("\"" + text + "\" is not an address block like 10.0.0.0/8 or ::1/128");
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an address block like 10.0.0.0/8 or ::1/128");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("\"" + text + "\" has a prefix length outside 0.." + max);
            }
        }
        return new Cidr(bytes, prefix, t);
    }

    public boolean contains(InetAddress address) {
        return address != null && contains(address.getAddress());
    }

    public boolean contains(byte[] addr) {
        if (addr.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (addr[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (addr[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
