package dev.skein.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One measurement of the consumer comparison: which client reads the {@code records} records of
 * {@code valueBytes} bytes that {@code topic} holds (written with {@code compression}), from the
 * start, assigned or as the only member of a fresh group, after reading {@code warmupRecords} of them
 * unmeasured with a consumer of its own (then again with another, up to {@code warmupRounds} in all,
 * until the JIT has settled in two reads in a row: {@link Usage#jitSettled()}). Default fetch settings; offsets are never
 * committed ({@code enable.auto.commit=false}; Skein's delivery MANUAL).
 */
record ConsumerWorkload(Client client, String bootstrap, String topic, int records, int valueBytes, Mode mode,
                        String compression, int warmupRecords, int warmupRounds) {

    /** Partitions of every topic the comparison reads. */
    static final int PARTITIONS = 6;

    /** How the consumer gets its partitions. */
    enum Mode {
        /** {@code assign()}: every partition, no group. */
        ASSIGNED(null),
        /** {@code subscribe()}, {@code group.protocol=classic} (the reference's default assignors). */
        GROUP_CLASSIC("classic"),
        /** {@code subscribe()}, {@code group.protocol=consumer} (KIP-848: the broker assigns). */
        GROUP_CONSUMER("consumer");

        /** The value of {@code group.protocol}; null for no group. */
        final String groupProtocol;

        Mode(String groupProtocol) {
            this.groupProtocol = groupProtocol;
        }

        boolean grouped() {
            return groupProtocol != null;
        }

        /** assigned, group-classic, group-consumer: the name in options, JSON lines and tables. */
        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static Mode of(String label) {
            return valueOf(label.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    static ConsumerWorkload fromArgs(String[] a) {
        if (a.length != 9) {
            throw new IllegalArgumentException("expected 9 arguments, got " + Arrays.toString(a));
        }
        return new ConsumerWorkload(Client.of(a[0]), a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                Mode.of(a[5]), a[6], Integer.parseInt(a[7]), Integer.parseInt(a[8]));
    }

    List<String> toArgs() {
        return List.of(client.label(), bootstrap, topic, Integer.toString(records), Integer.toString(valueBytes),
                mode.label(), compression, Integer.toString(warmupRecords), Integer.toString(warmupRounds));
    }

    ConsumerWorkload with(Client other) {
        return new ConsumerWorkload(other, bootstrap, topic, records, valueBytes, mode, compression, warmupRecords,
                warmupRounds);
    }

    /**
     * Standard Kafka property names, which both clients take; {@code group} is the group to join in a
     * grouped mode and ignored otherwise.
     */
    Map<String, String> properties(String group) {
        Map<String, String> p = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest",
                "enable.auto.commit", "false"));
        if (mode.grouped()) {
            p.put("group.id", group);
            p.put("group.protocol", mode.groupProtocol);
        }
        return Map.copyOf(p);
    }
}
