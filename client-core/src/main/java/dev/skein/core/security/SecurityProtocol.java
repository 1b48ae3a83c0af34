package dev.skein.core.security;

/** How a client talks to brokers: {@code security.protocol}. It must match the broker listener's. */
public enum SecurityProtocol {
    PLAINTEXT(false, false),
    /** TLS; with a key store, mutual TLS. */
    SSL(true, false),
    /** SASL without TLS: credentials (PLAIN's password among them) cross the network readable. */
    SASL_PLAINTEXT(false, true),
    SASL_SSL(true, true);

    private final boolean tls;
    private final boolean sasl;

    SecurityProtocol(boolean tls, boolean sasl) {
        this.tls = tls;
        this.sasl = sasl;
    }

    public boolean usesTls() {
        return tls;
    }

    public boolean usesSasl() {
        return sasl;
    }
}
