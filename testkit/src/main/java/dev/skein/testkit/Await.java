package dev.skein.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Bounded waiting for a condition that a cluster or a client reaches asynchronously: an ISR that fills
 * again, a producer id the broker forgets, a consumer that caught up.
 *
 * <pre>{@code
 * Await.until("all replicas in sync", Duration.ofSeconds(90),
 *         () -> admin.describeTopics(topics).allTopicNames().get().values().stream()
 *                 .allMatch(t -> t.partitions().stream().allMatch(p -> p.isr().size() == 3)));
 * }</pre>
 *
 * The condition is polled every 50 ms. A condition that throws counts as "not yet" (a broker that is still
 * restarting refuses the describe call); when the time runs out the last such exception is the cause of
 * the {@link AssertionError}, so the failure says what stood in the way.
 */
public final class Await {

    private static final long POLL_MILLIS = 50;

    /** A condition that may throw while the system is still getting there. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds.
     *
     * @throws AssertionError naming {@code what} when it does not hold within {@code within}, or when the
     *                        waiting thread is interrupted (its interrupt status is kept)
     */
    public static void until(String what, Duration within, Condition condition) {
        long deadline = System.nanoTime() + within.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + within.toSeconds() + " s: " + what, last);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
