package dev.skein.admin;

import java.util.Objects;

/**
 * One incremental change to a config: set a value, delete it (back to its default), or append to or
 * subtract from a list-valued config.
 */
public record ConfigOp(String name, Kind kind, String value) {
    public enum Kind {
        SET(0), DELETE(1), APPEND(2), SUBTRACT(3);

        private final byte code;

        Kind(int code) {
            this.code = (byte) code;
        }

        public byte code() {
            return code;
        }
    }

    public ConfigOp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (kind != Kind.DELETE && value == null) {
            throw new IllegalArgumentException(kind + " of " + name + " needs a value");
        }
    }

    public static ConfigOp set(String name, String value) {
        return new ConfigOp(name, Kind.SET, value);
    }

    public static ConfigOp delete(String name) {
        return new ConfigOp(name, Kind.DELETE, null);
    }

    public static ConfigOp append(String name, String value) {
        return new ConfigOp(name, Kind.APPEND, value);
    }

    public static ConfigOp subtract(String name, String value) {
        return new ConfigOp(name, Kind.SUBTRACT, value);
    }
}
