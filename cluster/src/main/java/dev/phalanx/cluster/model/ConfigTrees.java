package dev.phalanx.cluster.model;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.List;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads configuration text (YAML or JSON) into a tree, turning syntax errors into one operator-facing line such as
 * {@code routes file: line 3, column 7: mapping values are not allowed here}. Duplicate keys are errors.
 */
public final class ConfigTrees {

    /** Rejects duplicate keys. Thread-safe. */
    public static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigTrees() {
    }

    /** @return the document's tree; an empty document gives a {@code MissingNode} */
    public static JsonNode readYaml(byte[] text, String path) throws ConfigException {
        return read(YAML, text, path);
    }

    public static JsonNode readJson(byte[] text, String path) throws ConfigException {
        return read(SpecCodec.JSON, text, path);
    }

    private static JsonNode read(ObjectMapper mapper, byte[] text, String path) throws ConfigException {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(new ConfigError(path, describe(e))));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigError(path, "cannot be read: " + e.getMessage())));
        } catch (RuntimeException e) {
            // parser limits (aliases, nesting, sizes) that surface unchecked
            throw new ConfigException(List.of(new ConfigError(path, "cannot be parsed: " + e.getMessage())));
        }
    }

    /** {@code line L, column C: problem}, without the multi-line excerpt parsers like to print. */
    public static String describe(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                String context = m.getContext() == null ? "" : " (" + m.getContext()
                        + (m.getContextMark() == null ? "" : " from line " + (m.getContextMark().getLine() + 1))
                        + ")";
                return "line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1)
                        + ": " + oneLine(m.getProblem()) + context;
            }
        }
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0 ? "" : "line " + at.getLineNr() + ", column "
                + at.getColumnNr() + ": ";
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        return where + oneLine(message);
    }

    private static String oneLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
