package dev.skein.core.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code client.id} a client without one gives itself, unique in the JVM as Apache Kafka's clients make
 * theirs: {@code producer-<n>} ({@code producer-<transactional.id>} for a transactional producer),
 * {@code consumer-<group.id>-<n>} or {@code consumer-<n>}, {@code adminclient-<n>}. Each kind counts from 1
 * on its own. A fixed default would give several clients one id, and their meters in one registry one name.
 * Thread-safe.
 */
public final class ClientIds {
    private static final AtomicInteger PRODUCERS = new AtomicInteger(1);
    private static final AtomicInteger CONSUMERS = new AtomicInteger(1);
    private static final AtomicInteger ADMINS = new AtomicInteger(1);

    private ClientIds() {}

    /** {@code producer-<transactionalId>}, or {@code producer-<n>} when {@code transactionalId} is null. */
    public static String producer(String transactionalId) {
        return transactionalId != null ? "producer-" + transactionalId : "producer-" + PRODUCERS.getAndIncrement();
    }

    /** {@code consumer-<groupId>-<n>}, or {@code consumer-<n>} when {@code groupId} is null. */
    public static String consumer(String groupId) {
        int n = CONSUMERS.getAndIncrement();
        return groupId != null ? "consumer-" + groupId + "-" + n : "consumer-" + n;
    }

    /** {@code adminclient-<n>}. */
    public static String admin() {
        return "adminclient-" + ADMINS.getAndIncrement();
    }
}
