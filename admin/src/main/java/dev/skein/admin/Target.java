package dev.skein.admin;

import java.util.Objects;

/** Where {@link Admin#send} sends a raw request. */
public sealed interface Target {
    /** The least loaded broker. */
    static Target anyBroker() {
        return AnyBroker.INSTANCE;
    }

    static Target broker(int id) {
        return new Broker(id);
    }

    /** The broker that takes controller requests (in KRaft, a broker that forwards them). */
    static Target controller() {
        return Controller.INSTANCE;
    }

    /** The coordinator of a consumer group. */
    static Target groupCoordinator(String groupId) {
        return new Coordinator((byte) 0, Objects.requireNonNull(groupId));
    }

    /** The coordinator of a transactional id. */
    static Target transactionCoordinator(String transactionalId) {
        return new Coordinator((byte) 1, Objects.requireNonNull(transactionalId));
    }

    enum AnyBroker implements Target { INSTANCE }

    enum Controller implements Target { INSTANCE }

    record Broker(int id) implements Target {}

    /** {@code keyType} as FindCoordinator has it: 0 group, 1 transaction. */
    record Coordinator(byte keyType, String key) implements Target {}
}
