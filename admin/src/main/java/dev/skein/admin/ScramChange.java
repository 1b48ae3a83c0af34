package dev.skein.admin;

import dev.skein.core.internal.security.Scram;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * A change to a user's SCRAM credentials: set (or replace) one for a mechanism, or delete it. The
 * password never leaves this process: only a random salt and the salted password are sent. It is
 * not shown by {@link #toString()}.
 */
public final class ScramChange {
    /** Kafka's bounds for the iteration count. */
    public static final int MIN_ITERATIONS = Scram.MIN_ITERATIONS;
    public static final int MAX_ITERATIONS = 16384;

    private final String user;
    private final ScramMechanism mechanism;
    private final int iterations;
    private final String password;

    private ScramChange(String user, ScramMechanism mechanism, int iterations, String password) {
        this.user = Objects.requireNonNull(user, "user");
        this.mechanism = Objects.requireNonNull(mechanism, "mechanism");
        this.iterations = iterations;
        this.password = password;
    }

    /** Sets the user's credential for {@code mechanism} ({@value #MIN_ITERATIONS} to {@value #MAX_ITERATIONS} iterations). */
    public static ScramChange upsert(String user, ScramMechanism mechanism, int iterations, String password) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("SCRAM iterations must be " + MIN_ITERATIONS + ".." + MAX_ITERATIONS
                    + ", was " + iterations);
        }
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("the password of " + user + " is empty");
        }
        return new ScramChange(user, mechanism, iterations, password);
    }

    public static ScramChange delete(String user, ScramMechanism mechanism) {
        return new ScramChange(user, mechanism, 0, null);
    }

    public String user() {
        return user;
    }

    public ScramMechanism mechanism() {
        return mechanism;
    }

    public int iterations() {
        return iterations;
    }

    public boolean isDeletion() {
        return password == null;
    }

    /** What an upsertion sends instead of the password: a fresh random salt and SCRAM's Hi(password, salt, i). */
    public record Salted(byte[] salt, byte[] saltedPassword) {
        @Override
        public String toString() {
            return "Salted(hidden)";
        }
    }

    /**
     * Salts the password: 32 random bytes from a secure source, then Hi() (PBKDF2 with the mechanism's
     * HMAC over the UTF-8 password), as RFC 5802 defines it.
     *
     * @throws IllegalStateException for a deletion, which has no password
     */
    public Salted salt(SecureRandom random) {
        if (isDeletion()) {
            throw new IllegalStateException(this + " has no password");
        }
        byte[] salt = new byte[32];
        random.nextBytes(salt);
        return new Salted(salt, hi(mechanism, password, salt, iterations));
    }

    /** SCRAM's Hi(): PBKDF2 with the mechanism's HMAC over the UTF-8 password, one output block. */
    static byte[] hi(ScramMechanism mechanism, String password, byte[] salt, int iterations) {
        return mechanism.scram().hi(password, salt, iterations);
    }

    @Override
    public String toString() {
        return isDeletion() ? "delete " + mechanism + " of " + user
                : "set " + mechanism + " of " + user + " (" + iterations + " iterations, password hidden)";
    }
}
