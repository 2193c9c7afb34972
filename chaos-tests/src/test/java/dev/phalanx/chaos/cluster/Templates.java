package dev.phalanx.chaos.cluster;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills the keepalived templates: {@code {{ NAME }}} placeholders (NAME in capitals, digits and _), the subset of
 * Jinja that Ansible's template module fills the same way. Anything else Jinja would read as code
 * ({@code {%}, {#}) is refused, as is a placeholder without a value.
 */
public final class Templates {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Z][A-Z0-9_]*)\\s*}}");

    private Templates() {
    }

    public static String render(String name, String template, Map<String, String> values) {
        if (template.contains("{%") || template.contains("{#")) {
            throw new IllegalArgumentException("template " + name + ": only {{ NAME }} placeholders are allowed, found "
                    + (template.contains("{%") ? "{%" : "{#"));
        }
        Set<String> missing = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                missing.add(m.group(1));
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("template " + name + ": no value for " + missing);
        }
        if (out.indexOf("{{") >= 0) {
            int at = out.indexOf("{{");
            throw new IllegalArgumentException("template " + name + ": malformed placeholder near \""
                    + out.substring(at, Math.min(out.length(), at + 30)) + "\" (write {{ NAME }} in capitals)");
        }
        return out.toString();
    }

    /** The placeholders a template uses, in order of first use. */
    public static Set<String> placeholders(String template) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
