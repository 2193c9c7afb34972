package dev.phalanx.node.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(5 * SECOND);

    private int retriesGranted(RetryBudget budget, int asked) {
        int granted = 0;
        for (int i = 0; i < asked; i++) {
            if (budget.tryAcquireRetry()) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void theFirstWindowAllowsTheMinimum() {
        RetryBudget budget = new RetryBudget(20, 3, now::get);
        for (int i = 0; i < 1000; i++) {
            budget.onRequest();
        }
        assertEquals(3, retriesGranted(budget, 10), "no window has ended yet: only the minimum");
    }

    @Test
    void retriesFollowThePercentOfTheLastWindowsRate() {
        RetryBudget budget = new RetryBudget(20, 3, now::get);
        for (int i = 0; i < 1000; i++) {
            budget.onRequest();
        }
        now.addAndGet(SECOND);
        assertEquals(200, retriesGranted(budget, 500), "20% of 1000 requests in the last second");
        assertFalse(budget.tryAcquireRetry());
        now.addAndGet(SECOND);
        assertEquals(3, retriesGranted(budget, 10), "no requests in the last window: back to the minimum");
    }

    @Test
    void aLongWindowGivesItsRatePerSecondNotItsTotal() {
        RetryBudget budget = new RetryBudget(10, 1, now::get);
        for (int i = 0; i < 1000; i++) {
            budget.onRequest(); // 1000 requests spread over 10 s without a retry
        }
        now.addAndGet(10 * SECOND);
        assertEquals(10, retriesGranted(budget, 100), "10% of 100 requests per second, not of 1000");
    }

    @Test
    void requestsReadNoClock() {
        AtomicLong reads = new AtomicLong();
        RetryBudget budget = new RetryBudget(50, 1, () -> {
            reads.incrementAndGet();
            return now.get();
        });
        long before = reads.get();
        for (int i = 0; i < 10; i++) {
            budget.onRequest();
        }
        assertEquals(before, reads.get(), "onRequest is on every request's path");
        assertTrue(budget.tryAcquireRetry());
        assertEquals(before + 1, reads.get(), "a retry rolls the window");
    }
}
