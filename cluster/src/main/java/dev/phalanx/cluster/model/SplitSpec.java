package dev.phalanx.cluster.model;

/** One target of a weighted split: a pool id and its relative weight. */
public record SplitSpec(String pool, int weight) {
}
