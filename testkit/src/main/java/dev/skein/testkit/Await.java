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

    /** A look at the system that finds what is awaited, or {@code null} while it is not there yet. */
    @FunctionalInterface
    public interface Probe<T> {
        T find() throws Exception;
    }

    private Await() {
    }

    /**
     * True as soon as {@code condition} holds, false when it has not within {@code within}: for an
     * assertion whose message shows the state at the end ({@code assertTrue(holds(...), () -> "owned: " + owned)}).
     *
     * @throws AssertionError when the waiting thread is interrupted (its interrupt status is kept)
     */
    public static boolean holds(Condition condition, Duration within) {
        try {
            until("the condition", within, condition);
            return true;
        } catch (AssertionError notInTime) {
            if (Thread.currentThread().isInterrupted()) {
                throw notInTime;
            }
            return false;
        }
    }

    /**
     * Returns what {@code probe} finds as soon as it finds something (not {@code null}): the offset a
     * partition settled at, the member a group elected.
     *
     * @throws AssertionError as {@link #until} does
     */
    public static <T> T value(String what, Duration within, Probe<T> probe) {
        Object[] found = new Object[1];
        until(what, within, () -> (found[0] = probe.find()) != null);
        @SuppressWarnings("unchecked")
        T value = (T) found[0];
        return value;
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
