package dev.skein.producer;

import dev.skein.core.errors.ConfigException;

/** How many replicas must have a record before the broker acknowledges it. */
public enum Acks {
    /** No acknowledgment: the future completes when the bytes are written; offset is -1. */
    NONE((short) 0),
    /** The leader has written it. */
    LEADER((short) 1),
    /** Every in-sync replica has it (with min.insync.replicas, the durable choice). The default. */
    ALL((short) -1);

    private final short wire;

    Acks(short wire) {
        this.wire = wire;
    }

    public short wire() {
        return wire;
    }

    /** From the {@code acks} property: 0, 1, all or -1. */
    public static Acks fromConfig(String v) {
        return switch (v.trim().toLowerCase()) {
            case "0" -> NONE;
            case "1" -> LEADER;
            case "all", "-1" -> ALL;
            default -> throw new ConfigException("acks", "'" + v + "' is not one of 0, 1, all, -1");
        };
    }
}
