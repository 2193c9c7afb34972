package dev.phalanx.chaos.load;

/** Wall-clock microseconds since the epoch, monotonic within this JVM (nanoTime anchored once to the clock). */
public final class Clock {
    private static final long BASE_MICROS;
    private static final long BASE_NANOS;

    static {
        java.time.Instant now = java.time.Instant.now();
        BASE_NANOS = System.nanoTime();
        BASE_MICROS = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    private Clock() {
    }

    public static long micros() {
        return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1_000;
    }

    public static long millis() {
        return micros() / 1_000;
    }

    public static long micros(java.time.Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }
}
