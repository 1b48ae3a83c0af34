package dev.skein.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One measurement of the producer comparison: which client sends how many keyless records of what
 * size to which topic, with which acks and codec, as fast as allowed ({@code ratePerSec} 0) or paced
 * at {@code ratePerSec} with each record's latency taken, after {@code warmupRecords} sent as fast as
 * allowed and not measured, then again, up to {@code warmupRounds} times in all, until the JIT has
 * settled in two rounds in a row ({@link Usage#jitSettled()}). The rest of the configuration is fixed: linger 5 ms, 64 KiB
 * batches, 64 MiB of buffer memory. {@code acks=all} comes with idempotence on,
 * {@code acks=1} with it off.
 */
public record ProducerWorkload(Client client, String bootstrap, String topic, int records, int valueBytes,
                               String acks, String compression, int ratePerSec, int warmupRecords, int warmupRounds) {

    /** Distinct values per run; more than a 64 KiB batch holds, so no batch repeats one. */
    static final int VALUE_POOL = 1024;

    static ProducerWorkload fromArgs(String[] a) {
        if (a.length != 10) {
            throw new IllegalArgumentException("expected 10 arguments, got " + Arrays.toString(a));
        }
        return new ProducerWorkload(Client.of(a[0]), a[1], a[2], Integer.parseInt(a[3]),
                Integer.parseInt(a[4]), a[5], a[6], Integer.parseInt(a[7]), Integer.parseInt(a[8]), Integer.parseInt(a[9]));
    }

    List<String> toArgs() {
        return List.of(client.label(), bootstrap, topic, Integer.toString(records), Integer.toString(valueBytes), acks,
                compression, Integer.toString(ratePerSec), Integer.toString(warmupRecords), Integer.toString(warmupRounds));
    }

    ProducerWorkload with(Client other, String otherTopic) {
        return new ProducerWorkload(other, bootstrap, otherTopic, records, valueBytes, acks, compression, ratePerSec,
                warmupRecords, warmupRounds);
    }

    boolean paced() {
        return ratePerSec > 0;
    }

    /** Standard Kafka property names, which both clients take. */
    Map<String, String> properties() {
        return Map.of("bootstrap.servers", bootstrap, "acks", acks,
                "enable.idempotence", Boolean.toString(acks.equals("all")), "linger.ms", "5",
                "batch.size", Integer.toString(64 * 1024), "buffer.memory", Long.toString(64L * 1024 * 1024),
                "compression.type", compression);
    }

    /**
     * {@link #VALUE_POOL} values of word-like text from a fixed seed, the same in every run: a codec
     * meets the kind of redundancy real payloads have, rather than zeros it shrinks to nothing.
     */
    byte[][] values() {
        return values(valueBytes);
    }

    /** The values of {@link #values()} for {@code valueBytes}; the consumer comparison writes its data with them. */
    public static byte[][] values(int valueBytes) {
        Random random = new Random(18);
        String[] words = new String[256];
        for (int w = 0; w < words.length; w++) {
            StringBuilder word = new StringBuilder();
            for (int c = 3 + random.nextInt(7); c > 0; c--) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words[w] = word.append(' ').toString();
        }
        byte[][] values = new byte[VALUE_POOL][];
        for (int v = 0; v < values.length; v++) {
            StringBuilder text = new StringBuilder(valueBytes + 16);
            while (text.length() < valueBytes) {
                text.append(words[random.nextInt(words.length)]);
            }
            values[v] = Arrays.copyOf(text.toString().getBytes(StandardCharsets.US_ASCII), valueBytes);
        }
        return values;
    }
}
