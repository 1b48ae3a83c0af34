package dev.skein.admin;

import java.util.Objects;

/**
 * What a config belongs to: a topic, a broker (by id; "" for the cluster-wide default), a broker's
 * loggers, a group or a client-metrics subscription.
 */
public record ConfigResource(Type type, String name) {
    public enum Type {
        TOPIC(2), BROKER(4), BROKER_LOGGER(8), CLIENT_METRICS(16), GROUP(32);

        private final byte code;

        Type(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }

        public static Type forCode(byte code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown config resource type " + code);
        }
    }

    public ConfigResource {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
    }

    public static ConfigResource topic(String name) {
        return new ConfigResource(Type.TOPIC, name);
    }

    public static ConfigResource broker(int id) {
        return new ConfigResource(Type.BROKER, Integer.toString(id));
    }

    /** The dynamic default for every broker. */
    public static ConfigResource brokerDefault() {
        return new ConfigResource(Type.BROKER, "");
    }

    /**
     * A group's configs (the group need not exist yet): {@code consumer.*} for consumer-protocol groups,
     * {@code share.*} for share groups (listed in {@link ShareGroupAdmin}).
     */
    public static ConfigResource group(String name) {
        return new ConfigResource(Type.GROUP, name);
    }

    /** A client-metrics subscription's configs (KIP-714): {@code metrics}, {@code interval.ms}, {@code match}. */
    public static ConfigResource clientMetrics(String name) {
        return new ConfigResource(Type.CLIENT_METRICS, name);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase() + " " + (name.isEmpty() ? "(default)" : name);
    }
}
