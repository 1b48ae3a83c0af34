package dev.skein.core;

import dev.skein.core.errors.CorruptRecordException;

/** The record batch compression codecs Kafka defines, with their attribute ids. */
public enum Compression {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

    private final int id;
    private final String configName;

    Compression(int id, String configName) {
        this.id = id;
        this.configName = configName;
    }

    /** The id in a record batch's attributes (bits 0-2). */
    public int id() {
        return id;
    }

    /** The name in {@code compression.type}: none, gzip, snappy, lz4, zstd. */
    public String configName() {
        return configName;
    }

    /**
     * Whether this codec takes {@code level} (KIP-390): gzip 1..9, or -1 for its default; lz4 1..17 (its
     * default 9); zstd -131072..22 (its default 3). None and snappy take no level.
     */
    public boolean acceptsLevel(int level) {
        return switch (this) {
            case GZIP -> level == -1 || (level >= 1 && level <= 9);
            case LZ4 -> level >= 1 && level <= 17;
            case ZSTD -> level >= -131072 && level <= 22;
            case NONE, SNAPPY -> false;
        };
    }

    /** The levels this codec takes, in words, for error messages; empty for none and snappy. */
    public String levels() {
        return switch (this) {
            case GZIP -> "1..9, or -1 for gzip's default";
            case LZ4 -> "1..17 (default 9)";
            case ZSTD -> "-131072..22 (default 3)";
            case NONE, SNAPPY -> "";
        };
    }

    /** The codec with this attribute id; an unknown id is a corrupt batch. */
    public static Compression forId(int id) {
        for (Compression c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        throw new CorruptRecordException("unknown compression codec id " + id, null, false);
    }

    /** The codec with this {@code compression.type} name, case-insensitive. */
    public static Compression forName(String name) {
        for (Compression c : values()) {
            if (c.configName.equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression type '" + name + "'; accepted: none, gzip, snappy, lz4, zstd");
    }
}
