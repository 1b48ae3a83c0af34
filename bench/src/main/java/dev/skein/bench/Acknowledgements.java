package dev.skein.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outcomes of one run's records: how many came back, the first failure, and in a latency run
 * each record's time from just before {@code send} to its callback.
 *
 * <p>Callbacks run on the client's thread. A latency is written to its own slot before the count is
 * raised (a volatile write), and read only after {@link #await} has seen the count reach it, so the
 * reading thread sees every slot it reads.
 */
final class Acknowledgements {
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final long[] latencyNanos;

    /** One instance for every record of a throughput run: counting allocates nothing per record. */
    final BenchProducer.Ack counting = new BenchProducer.Ack() {
        @Override
        void done(Exception error) {
            count(error);
        }
    };

    /** @param timedRecords how many records {@link #timed} will be asked for (0 in a throughput run) */
    Acknowledgements(int timedRecords) {
        this.latencyNanos = new long[timedRecords];
    }

    /** The callback for record {@code index} of a latency run, sent at {@code sentAt} ({@link System#nanoTime}). */
    BenchProducer.Ack timed(int index, long sentAt) {
        return new BenchProducer.Ack() {
            @Override
            void done(Exception error) {
                latencyNanos[index] = System.nanoTime() - sentAt;
                count(error);
            }
        };
    }

    private void count(Exception error) {
        if (error != null) {
            firstFailure.compareAndSet(null, error);
            failed.incrementAndGet();
        }
        done.incrementAndGet();
    }

    /**
     * Waits until {@code expected} records have their outcome.
     *
     * @throws IllegalStateException when any of them failed: a run with lost records measures nothing
     * @throws TimeoutException when they have not all come back within {@code timeout}
     */
    void await(long expected, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done.get() < expected) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(done.get() + " of " + expected + " records acknowledged after " + timeout);
            }
            Thread.sleep(1);
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " records failed, the first with " + firstFailure.get(),
                    firstFailure.get());
        }
    }

    /** The latencies of the timed records in ascending order; call after {@link #await}. */
    long[] sortedLatencyNanos() {
        long[] sorted = latencyNanos.clone();
        Arrays.sort(sorted);
        return sorted;
    }
}
