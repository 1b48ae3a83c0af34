package dev.skein.producer;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;

/**
 * Built-in partitioners for keyed records.
 *
 * <ul>
 *   <li>{@link #murmur2()}, the default: murmur2 of the key bytes, made positive, modulo the partition
 *       count. The partition Apache Kafka's Java client (and franz-go, by default) picks.</li>
 *   <li>{@link #crc32()}: CRC-32 of the key modulo the count, librdkafka's {@code consistent}
 *       partitioner (its default, {@code consistent_random}, for keyed records).</li>
 *   <li>{@link #fnv1a()}: 32-bit FNV-1a of the key modulo the count, librdkafka's {@code fnv1a}.</li>
 *   <li>{@link #roundRobin()}: ignores the key and cycles through the partitions.</li>
 * </ul>
 */
public final class Partitioners {
    private Partitioners() {}

    public static Partitioner murmur2() {
        return (topic, key, n) -> (murmur2(key) & 0x7fffffff) % n;
    }

    public static Partitioner crc32() {
        return (topic, key, n) -> {
            CRC32 crc = new CRC32();
            crc.update(key);
            return (int) (crc.getValue() % n);
        };
    }

    public static Partitioner fnv1a() {
        return (topic, key, n) -> {
            int h = 0x811C9DC5;
            for (byte b : key) {
                h ^= b & 0xff;
                h *= 0x01000193;
            }
            return (int) (Integer.toUnsignedLong(h) % n);
        };
    }

    public static Partitioner roundRobin() {
        AtomicInteger next = new AtomicInteger();
        return (topic, key, n) -> (next.getAndIncrement() & 0x7fffffff) % n;
    }

    /** MurmurHash2, 32-bit, seed 0x9747b28c: the hash Kafka's default partitioner uses. */
    public static int murmur2(byte[] data) {
        int length = data.length;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = 0x9747b28c ^ length;
        int quads = length / 4;
        for (int i = 0; i < quads; i++) {
            int o = i * 4;
            int k = (data[o] & 0xff) | ((data[o + 1] & 0xff) << 8) | ((data[o + 2] & 0xff) << 16) | ((data[o + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = quads * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
