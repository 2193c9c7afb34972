package dev.phalanx.cluster.model;

import java.time.Duration;

/**
 * Durations as operators write them: a whole number and a unit ({@code 250ms}, {@code 2s}, {@code 1m}, {@code 1h}),
 * or several such parts from the largest unit down ({@code 1m30s}, {@code 1h30m}, {@code 1s500ms}). Each unit may
 * appear once. {@link #format} writes the canonical form back, so {@code parse(format(d)).equals(d)} for every
 * duration of whole milliseconds.
 */
public final class Durations {

    private static final String[] UNITS = {"h", "m", "s", "ms"};
    private static final long[] UNIT_MILLIS = {3_600_000L, 60_000L, 1_000L, 1L};
    /** Longest accepted text; a duration never needs more and it bounds the work done on hostile input. */
    private static final int MAX_LENGTH = 64;

    private Durations() {
    }

    /**
     * @return the duration (zero or positive) written as {@code text}
     * @throws IllegalArgumentException with the operator-facing message
     *         {@code "5 seconds" is not a duration like 250ms, 2s, 1m}
     */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a duration like 250ms, 2s, 1m is required");
        }
        String t = text.trim();
        if (t.isEmpty() || t.length() > MAX_LENGTH) {
            throw notADuration(text);
        }
        long millis = 0;
        int lastUnit = -1;
        int i = 0;
        while (i < t.length()) {
            int digitsStart = i;
            while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                i++;
            }
            if (i == digitsStart || i - digitsStart > 12) {
                throw notADuration(text);
            }
            long amount = Long.parseLong(t, digitsStart, i, 10);
            int unitStart = i;
            while (i < t.length() && Character.isLetter(t.charAt(i))) {
                i++;
            }
            int unit = unitIndex(t.substring(unitStart, i));
            if (unit <= lastUnit) {
                // unknown unit (-1), or units repeated or out of order such as 30s1m
                throw notADuration(text);
            }
            lastUnit = unit;
            try {
                millis = Math.addExact(millis, Math.multiplyExact(amount, UNIT_MILLIS[unit]));
            } catch (ArithmeticException e) {
                throw notADuration(text);
            }
        }
        return Duration.ofMillis(millis);
    }

    /**
     * The canonical text of {@code duration}: largest units first, zero parts left out ({@code 1m30s},
     * {@code 1s500ms}, {@code 0s} for zero). Parts below a millisecond are dropped.
     *
     * @throws IllegalArgumentException for a negative duration
     */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative duration " + duration);
        }
        long rest = duration.toMillis();
        if (rest == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        for (int u = 0; u < UNITS.length; u++) {
            long amount = rest / UNIT_MILLIS[u];
            if (amount > 0) {
                sb.append(amount).append(UNITS[u]);
                rest -= amount * UNIT_MILLIS[u];
            }
        }
        return sb.toString();
    }

    private static int unitIndex(String unit) {
        for (int u = 0; u < UNITS.length; u++) {
            if (UNITS[u].equals(unit)) {
                return u;
            }
        }
        return -1;
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not a duration like 250ms, 2s, 1m");
    }
}
