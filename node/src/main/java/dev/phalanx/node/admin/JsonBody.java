package dev.phalanx.node.admin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** An admin POST's JSON body: one object, duplicate fields refused; errors are one line naming what was wrong. */
final class JsonBody {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private JsonBody() {
    }

    /**
     * The body as a JSON object.
     *
     * @param example a valid body, quoted in the errors
     * @throws IllegalArgumentException {@code body: ...} when it is empty, not JSON, or not an object
     */
    static JsonNode object(String body, String example) {
        if (body == null || body.isBlank()) {
            throw new IllegalArgumentException("body: empty; send a JSON object like " + example);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("body: not valid JSON (" + e.getOriginalMessage() + "); send an object"
                    + " like " + example);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("body: expected a JSON object like " + example);
        }
        return root;
    }
}
