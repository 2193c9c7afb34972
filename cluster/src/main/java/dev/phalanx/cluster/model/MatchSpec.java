package dev.phalanx.cluster.model;

import java.util.List;
import java.util.Map;

/**
 * What a request must look like to match a route. Every list/map is non-null (empty = any). Host names are lower
 * case, either exact ({@code api.example.com}) or one leading wildcard label ({@code *.example.org}). At most one
 * of {@code path} (exact), {@code pathPrefix} and {@code pathRegex} is set. Header names are lower case; the value
 * must be equal.
 */
public record MatchSpec(List<String> hosts, String pathPrefix, String path, String pathRegex,
                        List<String> methods, Map<String, String> headers) {
}
