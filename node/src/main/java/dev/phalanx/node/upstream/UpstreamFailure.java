package dev.phalanx.node.upstream;

/** Why an upstream attempt failed, in the words retry conditions use ({@code RetriesSpec.on}). */
public enum UpstreamFailure {
    /** The connection could not be opened (refused, unreachable, connect timeout): nothing was sent. */
    CONNECT_FAILURE("connect-failure"),
    /** The connection was reset or closed before the response ended. */
    RESET("reset"),
    /** No response head in time, or no progress within the idle timeout. */
    TIMEOUT("timeout"),
    /** The response could not be parsed. */
    PROTOCOL("protocol");

    private final String condition;

    UpstreamFailure(String condition) {
        this.condition = condition;
    }

    public String condition() {
        return condition;
    }
}
