package dev.skein.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One measurement of the share-group comparison: which client's {@code members} share consumers, one
 * thread each in one JVM, read the {@code records} records of {@code valueBytes} bytes that
 * {@code topic} ({@code partitions} partitions) holds, as share group {@code group}; after the members
 * of {@code warmupGroup} have read {@code warmupRecords} of them unmeasured. Both groups must already
 * start at the earliest offset (group config {@code share.auto.offset.reset=earliest}, which the parent
 * sets). Implicit acknowledgement, every other setting the client's default. {@code brokerPid} is the
 * broker's process, whose CPU time the measurement also reports (-1: not reported).
 */
record ShareWorkload(Client client, String bootstrap, String topic, int partitions, int records, int valueBytes,
                     int members, String group, String warmupGroup, int warmupRecords, long brokerPid) {

    static ShareWorkload fromArgs(String[] a) {
        if (a.length != 11) {
            throw new IllegalArgumentException("expected 11 arguments, got " + Arrays.toString(a));
        }
        return new ShareWorkload(Client.of(a[0]), a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                Integer.parseInt(a[5]), Integer.parseInt(a[6]), a[7], a[8], Integer.parseInt(a[9]), Long.parseLong(a[10]));
    }

    List<String> toArgs() {
        return List.of(client.label(), bootstrap, topic, Integer.toString(partitions), Integer.toString(records),
                Integer.toString(valueBytes), Integer.toString(members), group, warmupGroup, Integer.toString(warmupRecords),
                Long.toString(brokerPid));
    }

    /** Standard Kafka property names, which both clients take, for a member of {@code shareGroup}. */
    Map<String, String> properties(String shareGroup) {
        return Map.of("bootstrap.servers", bootstrap, "group.id", shareGroup, "share.acknowledgement.mode", "implicit");
    }
}
