package dev.phalanx.cluster.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The lexical rules of configuration values: ids, HTTP tokens and header values, host names and addresses. Each
 * check returns null when the text is fine, or the operator-facing reason why not. Nothing here resolves names.
 */
public final class Syntax {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

    /** Headers that belong to one connection (RFC 9110 section 7.6.1) plus framing; a route may not set them. */
    public static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "transfer-encoding", "upgrade", "trailer", "proxy-authenticate", "proxy-authorization");

    private Syntax() {
    }

    public static String idProblem(String id) {
        if (ID.matcher(id).matches()) {
            return null;
        }
        return "\"" + id + "\" is not an id: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit";
    }

    /** RFC 9110 token: method names and header field names. */
    public static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || TCHAR_SYMBOLS.indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public static String headerNameProblem(String name) {
        return isToken(name) ? null : "\"" + name + "\" is not a header name (letters, digits and !#$%&'*+-.^_`|~)";
    }

    /** Field values may hold visible characters, spaces and tabs; never CR, LF, NUL or other controls. */
    public static String headerValueProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                String name = c == '\r' ? "CR" : c == '\n' ? "LF" : c == 0 ? "NUL" : String.format("0x%02X", (int) c);
                return "a header value may not contain " + name + " (control characters split or smuggle headers)";
            }
            if (c > 0xFF) {
                return "a header value may only hold ASCII and Latin-1 characters";
            }
        }
        return null;
    }

    /** A path as written in a route: starts with '/', no spaces, controls, query or fragment. */
    public static String pathProblem(String path) {
        if (!path.startsWith("/")) {
            return "\"" + path + "\" must start with /";
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= 0x20 || c == 0x7F) {
                return "\"" + path + "\" may not contain spaces or control characters";
            }
            if (c == '?' || c == '#') {
                return "\"" + path + "\" may not contain a query (?) or fragment (#); only the path is matched";
            }
        }
        return null;
    }

    /**
     * A host name or IP literal without port: DNS labels of letters, digits, '-' and '_', or an IPv4 address, or an
     * IPv6 address in brackets when {@code bracketedV6} (else bare). Expects lower case.
     */
    public static String hostProblem(String host, boolean bracketedV6) {
        if (host.isEmpty()) {
            return "a host name is empty";
        }
        if (host.indexOf(':') >= 0 || host.startsWith("[")) {
            String bare = host;
            if (bracketedV6) {
                if (!host.startsWith("[") || !host.endsWith("]")) {
                    return "\"" + host + "\" is not a host: write an IPv6 address in brackets, like [::1]";
                }
                bare = host.substring(1, host.length() - 1);
            }
            return isIpv6Literal(bare) ? null : "\"" + host + "\" is not a valid IPv6 address";
        }
        return dnsNameProblem(host);
    }

    /** Letters, digits, '-' and '_' in dot-separated labels of 1..63; an all-numeric name must be an IPv4 address. */
    public static String dnsNameProblem(String name) {
        if (name.length() > 253) {
            return "a host name is longer than 253 characters";
        }
        if (name.endsWith(".")) {
            return "\"" + name + "\" ends with a dot; write the name without it";
        }
        boolean numeric = true;
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return "\"" + name + "\" is not a host name: every label between dots needs 1 to 63 characters";
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "\"" + name + "\" is not a host name: a label may not start or end with '-'";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                if (!ok) {
                    return "\"" + name + "\" is not a host name: use letters, digits, '-' and '.'";
                }
                numeric &= c >= '0' && c <= '9';
            }
        }
        if (numeric && !isIpv4Literal(name)) {
            return "\"" + name + "\" is not a valid IPv4 address";
        }
        return null;
    }

    public static boolean isIpv4Literal(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Bare IPv6 literal (no brackets). Only hex digits, ':' and '.' reach the JDK parser, so no lookup happens. */
    public static boolean isIpv6Literal(String s) {
        if (s.indexOf(':') < 0 || s.length() > 45) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                return false;
            }
        }
        try {
            return InetAddress.getByName(s).getAddress().length == 16;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** True for 127.0.0.0/8, ::1 and localhost: the addresses only this machine can reach. */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || (isIpv4Literal(h) && h.startsWith("127."))) {
            return true;
        }
        if (isIpv6Literal(h)) {
            try {
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** Any-address binds ({@code 0.0.0.0}, {@code ::}) overlap every other bind on the same port. */
    public static boolean isWildcard(String host) {
        if (host.equals("0.0.0.0")) {
            return true;
        }
        if (isIpv6Literal(host)) {
            try {
                return InetAddress.getByName(host).isAnyLocalAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * Parses {@code host:port} ({@code [v6]:port} for IPv6). Without a port, {@code defaultPort} is used, or it is an
     * error when that is negative. {@code minPort} is 0 for binds (0 = any free port) and 1 for peers.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static HostPort parseHostPort(String text, int defaultPort, int minPort) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        String example = " is not an address like 10.0.0.1:8080 or [::1]:8080";
        String host;
        String portText = null;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("\"" + text + "\"" + example);
            }
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("\"" + text + "\"" + example);
                }
                portText = rest.substring(1);
            }
            if (!isIpv6Literal(host)) {
                throw new IllegalArgumentException("\"" + text + "\" does not hold a valid IPv6 address");
            }
        } else {
            int colon = t.lastIndexOf(':');
            if (colon >= 0 && t.indexOf(':') != colon) {
                throw new IllegalArgumentException("\"" + text + "\"" + example + " (IPv6 addresses go in brackets)");
            }
            host = colon < 0 ? t : t.substring(0, colon);
            portText = colon < 0 ? null : t.substring(colon + 1);
            String problem = host.isEmpty() ? "a host is missing" : dnsNameProblem(host);
            if (problem != null) {
                throw new IllegalArgumentException("\"" + text + "\"" + example + ": " + problem);
            }
        }
        int port;
        if (portText == null) {
            if (defaultPort < 0) {
                throw new IllegalArgumentException("\"" + text + "\" has no port; write it like 10.0.0.1:8080");
            }
            port = defaultPort;
        } else {
            port = portText.length() > 5 || portText.isEmpty() || !portText.chars().allMatch(Character::isDigit)
                    ? -1 : Integer.parseInt(portText);
            if (port < minPort || port > 65535) {
                throw new IllegalArgumentException("\"" + text + "\" has a port outside " + minPort + "..65535");
            }
        }
        return new HostPort(host, port);
    }
}
