package dev.phalanx.node.http;

/**
 * Counts the checks in a row that found the same request head (or HTTP/2 frame or header block) still in progress;
 * see {@link SlowClientRules}. Event-loop only.
 */
final class HeadClock {
    private long seq = Long.MIN_VALUE;
    private int checks;

    /**
     * @param headSeq which head is in progress (a new value starts the count again)
     * @return whether that head has now been in progress for more than {@code limit} checks
     */
    boolean expired(long headSeq, int limit) {
        if (headSeq != seq) {
            seq = headSeq;
            checks = 0;
        }
        return ++checks > limit;
    }

    /** No head in progress. */
    void reset() {
        seq = Long.MIN_VALUE;
        checks = 0;
    }
}
