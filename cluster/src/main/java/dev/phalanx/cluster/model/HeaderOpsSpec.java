package dev.phalanx.cluster.model;

import java.util.List;
import java.util.Map;

/** Header edits: {@code remove} first, then {@code set} (replacing). Names are lower case; never null. */
public record HeaderOpsSpec(Map<String, String> set, List<String> remove) {
    public static final HeaderOpsSpec NONE = new HeaderOpsSpec(Map.of(), List.of());

    public boolean isEmpty() {
        return set.isEmpty() && remove.isEmpty();
    }
}
