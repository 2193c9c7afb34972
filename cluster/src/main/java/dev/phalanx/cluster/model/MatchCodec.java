package dev.phalanx.cluster.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Parses and checks the {@code match} object of a route. Absent = matches every request. */
final class MatchCodec {

    static final List<String> FIELDS = List.of("hosts", "path", "pathPrefix", "pathRegex", "methods", "headers");
    static final MatchSpec ANY = new MatchSpec(List.of(), null, null, null, List.of(), Map.of());

    private MatchCodec() {
    }

    static MatchSpec parse(JsonNode json, String path, List<ConfigError> errors) {
        if (json == null || json.isNull()) {
            return ANY;
        }
        JsonFields f = JsonFields.of(json, path, errors, FIELDS);
        List<String> hosts = hosts(f);
        String exact = pathField(f, "path");
        String prefix = pathField(f, "pathPrefix");
        String regex = f.string("pathRegex", null);
        if (regex != null) {
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                f.error("pathRegex", "\"" + regex + "\" is not a valid regular expression: " + e.getDescription()
                        + " near index " + e.getIndex());
            }
        }
        int set = (exact != null ? 1 : 0) + (prefix != null ? 1 : 0) + (regex != null ? 1 : 0);
        if (set > 1) {
            errors.add(new ConfigError(path, "path, pathPrefix and pathRegex exclude each other; set at most one"));
        }
        return new MatchSpec(hosts, prefix, exact, regex, methods(f), headers(f));
    }

    private static String pathField(JsonFields f, String field) {
        String p = f.string(field, null);
        if (p != null) {
            String problem = Syntax.pathProblem(p);
            if (problem != null) {
                f.error(field, problem);
            }
        }
        return p;
    }

    private static List<String> hosts(JsonFields f) {
        List<JsonNode> items = f.list("hosts");
        if (items == null) {
            return List.of();
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("hosts") + "[" + i + "]";
            String host = JsonFields.text(items.get(i), p, f.errors());
            if (host == null) {
                continue;
            }
            host = host.trim().toLowerCase(Locale.ROOT);
            String problem = hostPatternProblem(host);
            if (problem != null) {
                f.errors().add(new ConfigError(p, problem));
            } else {
                out.add(host);
            }
        }
        return List.copyOf(out);
    }

    /** An exact host, an IPv6 literal in brackets, or {@code *.} followed by a host suffix; never a port. */
    static String hostPatternProblem(String host) {
        if (host.equals("*")) {
            return "\"*\" is not needed: a route without hosts matches every host";
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (name.indexOf('*') >= 0) {
            return "\"" + host + "\": a wildcard is only allowed as the whole first label, like *.example.org";
        }
        if (!name.startsWith("[")) {
            int colon = name.indexOf(':');
            if (colon >= 0) {
                return "\"" + host + "\" has a port; hosts are matched without their port, write "
                        + name.substring(0, colon);
            }
        } else if (!name.endsWith("]")) {
            return "\"" + host + "\" has a port; hosts are matched without their port";
        }
        return Syntax.hostProblem(name, true);
    }

    private static List<String> methods(JsonFields f) {
        List<JsonNode> items = f.list("methods");
        if (items == null) {
            return List.of();
        }
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (int i = 0; i < items.size(); i++) {
            String p = f.path("methods") + "[" + i + "]";
            String m = JsonFields.text(items.get(i), p, f.errors());
            if (m == null) {
                continue;
            }
            if (!Syntax.isToken(m)) {
                f.errors().add(new ConfigError(p, "\"" + m + "\" is not an HTTP method name"));
            } else {
                out.add(m.toUpperCase(Locale.ROOT));
            }
        }
        return List.copyOf(out);
    }

    private static Map<String, String> headers(JsonFields f) {
        List<Map.Entry<String, JsonNode>> entries = f.entries("headers");
        if (entries == null) {
            return Map.of();
        }
        TreeMap<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : entries) {
            String p = f.path("headers") + "." + e.getKey();
            String problem = Syntax.headerNameProblem(e.getKey());
            String value = JsonFields.scalarText(e.getValue(), p, f.errors());
            if (problem != null) {
                f.errors().add(new ConfigError(p, problem));
                continue;
            }
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (value != null) {
                String valueProblem = Syntax.headerValueProblem(value);
                if (valueProblem != null) {
                    f.errors().add(new ConfigError(p, valueProblem));
                } else if (out.put(name, value) != null) {
                    f.errors().add(new ConfigError(p, "header " + name + " is listed twice (names ignore case)"));
                }
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(out));
    }
}
