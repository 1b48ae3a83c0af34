package dev.skein.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One measurement of the parallel comparison: how {@code topic} (one partition holding {@code records}
 * keyed records) is processed, each record by a handler that sleeps {@code sleepMillis} (simulated
 * I/O). {@link Mode#PARALLEL} reads every record with a {@code ParallelProcessor} (KEY ordering,
 * {@code maxInFlight}, its default executor) after {@code warmupRecords} unmeasured in a group of their
 * own; {@link Mode#POLL_LOOP} runs the handler on the polling thread of a plain {@code Consumer} for
 * {@code pollLoopSeconds}.
 */
record ParallelWorkload(Mode mode, String bootstrap, String topic, int records, int maxInFlight, int commitIntervalMillis,
                        int sleepMillis, int pollLoopSeconds, int warmupRecords) {

    enum Mode {
        /** {@code ParallelProcessor}, KEY ordering: up to {@code maxInFlight} records in hand at once. */
        PARALLEL,
        /** A plain {@code Consumer}'s poll loop: one record at a time, on the polling thread. */
        POLL_LOOP;

        /** parallel, poll-loop: the name in options, JSON lines and tables. */
        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Mode of(String label) {
            return valueOf(label.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    static ParallelWorkload fromArgs(String[] a) {
        if (a.length != 9) {
            throw new IllegalArgumentException("expected 9 arguments, got " + Arrays.toString(a));
        }
        return new ParallelWorkload(Mode.of(a[0]), a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                Integer.parseInt(a[5]), Integer.parseInt(a[6]), Integer.parseInt(a[7]), Integer.parseInt(a[8]));
    }

    List<String> toArgs() {
        return List.of(mode.label(), bootstrap, topic, Integer.toString(records), Integer.toString(maxInFlight),
                Integer.toString(commitIntervalMillis), Integer.toString(sleepMillis), Integer.toString(pollLoopSeconds), Integer.toString(warmupRecords));
    }

    ParallelWorkload with(Mode other) {
        return new ParallelWorkload(other, bootstrap, topic, records, maxInFlight, commitIntervalMillis, sleepMillis,
                pollLoopSeconds, warmupRecords);
    }
}
