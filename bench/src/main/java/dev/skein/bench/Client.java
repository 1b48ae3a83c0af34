package dev.skein.bench;

import java.util.Locale;

/** The two clients under comparison: Skein's, and Apache Kafka's Java client (the reference). */
enum Client {
    SKEIN,
    REFERENCE;

    /** The name in JSON lines, tables and {@code --clients}. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Client of(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }
}
