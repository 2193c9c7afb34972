package dev.phalanx.node.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.phalanx.cluster.model.Syntax;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One VRRP transition as keepalived's notify script reports it with {@code POST /vrrp}:
 * {@code {"instance":"VI_2","state":"MASTER","vips":["172.31.0.102"],"priority":150}}. {@code vips} and
 * {@code priority} may be left out (an empty list, null).
 */
public record VrrpReport(String instance, State state, List<String> vips, Integer priority) {

    /** The states keepalived passes to a notify script. */
    public enum State { MASTER, BACKUP, FAULT, STOP }

    static final List<String> FIELDS = List.of("instance", "state", "vips", "priority");
    static final int MAX_VIPS = 64;
    static final String EXAMPLE =
            "{\"instance\":\"VI_1\",\"state\":\"MASTER\",\"vips\":[\"10.0.0.100\"],\"priority\":150}";
    /** Instance names become a metric tag: a bounded, plain alphabet. */
    private static final Pattern INSTANCE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    public VrrpReport {
        vips = List.copyOf(vips);
    }

    /**
     * Reads and checks a request body.
     *
     * @throws IllegalArgumentException with one line {@code field: what is wrong} for the first problem found
     */
    public static VrrpReport parse(String body) {
        JsonNode root = JsonBody.object(body, EXAMPLE);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new IllegalArgumentException(raw(TextNode.valueOf(name)) + ": unknown field; the fields are "
                        + String.join(", ", FIELDS));
            }
        }
        return new VrrpReport(instance(root.get("instance")), state(root.get("state")), vips(root.get("vips")),
                priority(root.get("priority")));
    }

    private static String instance(JsonNode v) {
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("instance: required, the vrrp_instance name like VI_1");
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("instance: expected a string, got " + raw(v));
        }
        if (!INSTANCE.matcher(v.textValue()).matches()) {
            throw new IllegalArgumentException("instance: " + raw(v)
                    + " is not a vrrp_instance name (1 to 64 of A-Z a-z 0-9 _ . : -)");
        }
        return v.textValue();
    }

    private static State state(JsonNode v) {
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("state: required, one of MASTER, BACKUP, FAULT, STOP");
        }
        String text = v.isTextual() ? v.textValue().toUpperCase(Locale.ROOT) : "";
        for (State s : State.values()) {
            if (s.name().equals(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("state: " + raw(v)
                + " is not one of MASTER, BACKUP, FAULT, STOP");
    }

    private static List<String> vips(JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException("vips: expected a list of addresses like [\"10.0.0.100\"], got "
                    + raw(v));
        }
        if (v.size() > MAX_VIPS) {
            throw new IllegalArgumentException("vips: " + v.size() + " addresses; at most " + MAX_VIPS);
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            JsonNode a = v.get(i);
            String text = a.isTextual() ? a.textValue() : null;
            if (text == null || !isAddress(text)) {
                throw new IllegalArgumentException("vips[" + i + "]: " + raw(a)
                        + " is not an IP address like 10.0.0.100, fd00::64 or 10.0.0.100/24");
            }
            out.add(text);
        }
        return out;
    }

    private static Integer priority(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() > 255) {
            throw new IllegalArgumentException("priority: " + raw(v)
                    + " is not a VRRP priority (a whole number 0..255)");
        }
        return v.intValue();
    }

    /** An IPv4 or IPv6 literal, optionally with a prefix length (keepalived's {@code virtual_ipaddress} form). */
    static boolean isAddress(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        boolean v4 = Syntax.isIpv4Literal(address);
        if (!v4 && !Syntax.isIpv6Literal(address)) {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        String prefix = text.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(Character::isDigit)) {
            return false;
        }
        return Integer.parseInt(prefix) <= (v4 ? 32 : 128);
    }

    /** A caller's value for an error message, as JSON (strings quoted), cut short. */
    private static String raw(JsonNode v) {
        String s = v.toString();
        return s.length() > 72 ? s.substring(0, 72) + "..." : s;
    }
}
