package dev.phalanx.node.http;

/** Where an exchange's response stands, as the client sees it. Moves forward only, except INTERIM back to NONE. */
enum ResponseState {
    /** Nothing sent downstream yet: a failed attempt may still be retried or answered with an error. */
    NONE,
    /** An upstream 1xx (not 101) is being relayed downstream; the final response is still to come. */
    INTERIM,
    /** An upstream 100 the node does not relay: it sent its own {@code 100 Continue} already. */
    INTERIM_DROPPED,
    /** The final response head went downstream (or a tunnel began): no retry, errors close the connection. */
    STARTED,
    /** The whole response went downstream. */
    ENDED;

    boolean started() {
        return this == STARTED || this == ENDED;
    }

    boolean interim() {
        return this == INTERIM || this == INTERIM_DROPPED;
    }
}
