package dev.skein.core.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A password, key or token. Its {@code toString()} is {@code [hidden]}, so it stays out of logs,
 * exception messages and the options' own {@code toString()}; only {@link #reveal()} gives the value.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The value itself: pass it on, never print it. */
    public String reveal() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), s.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return 0; // nothing about the value leaks through hashing
    }

    @Override
    public String toString() {
        return "[hidden]";
    }
}
