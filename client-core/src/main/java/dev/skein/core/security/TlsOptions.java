package dev.skein.core.security;

import dev.skein.core.internal.config.ConfigValues;
import dev.skein.core.internal.security.TlsConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * TLS options of broker connections ({@code ssl.*}), immutable; set them on
 * {@link dev.skein.core.ClientOptions.Builder#tls(TlsOptions)} and derive a changed copy with
 * {@link #mutate()}.
 *
 * <p>Trust comes from a JKS, PKCS12 or PEM trust store, from PEM certificates given as text, or, with
 * none of these, from the JVM's default trust. A client certificate for mutual TLS comes from a JKS or
 * PKCS12 key store, or from a PEM chain and PKCS#8 key. TLS 1.2 is the floor and 1.3 is preferred; the
 * broker's certificate must name the host connected to unless {@link Builder#hostnameVerification} is
 * turned off. Files are read, and every value checked, when the client options are built; errors name
 * the property at fault and never quote a password or key.
 *
 * <pre>{@code
 * TlsOptions tls = TlsOptions.builder()
 *         .trustStore(Path.of("/etc/kafka/truststore.p12"), Secret.of(password))
 *         .build();
 * ClientOptions.builder().bootstrapServers("kafka:9093").securityProtocol(SecurityProtocol.SSL).tls(tls);
 * }</pre>
 */
public final class TlsOptions {
    /** {@code ssl.enabled.protocols}: TLSv1.3 and TLSv1.2. */
    public static final List<String> DEFAULT_ENABLED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final Path trustStoreLocation;
    private final String trustStoreType;
    private final Secret trustStorePassword;
    private final String trustCertificates;
    private final Path keyStoreLocation;
    private final String keyStoreType;
    private final Secret keyStorePassword;
    private final Secret keyPassword;
    private final String keyCertificateChain;
    private final Secret privateKey;
    private final boolean hostnameVerification;
    private final List<String> protocols;
    private final String protocol;
    private final List<String> cipherSuites;

    private TlsOptions(Builder b) {
        this.trustStoreLocation = b.trustStoreLocation;
        this.trustStoreType = b.trustStoreType;
        this.trustStorePassword = b.trustStorePassword;
        this.trustCertificates = b.trustCertificates;
        this.keyStoreLocation = b.keyStoreLocation;
        this.keyStoreType = b.keyStoreType;
        this.keyStorePassword = b.keyStorePassword;
        this.keyPassword = b.keyPassword;
        this.keyCertificateChain = b.keyCertificateChain;
        this.privateKey = b.privateKey;
        this.hostnameVerification = b.hostnameVerification;
        this.protocols = b.protocols;
        this.protocol = b.protocol;
        this.cipherSuites = b.cipherSuites;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder mutate() {
        Builder b = new Builder();
        b.trustStoreLocation = trustStoreLocation;
        b.trustStoreType = trustStoreType;
        b.trustStorePassword = trustStorePassword;
        b.trustCertificates = trustCertificates;
        b.keyStoreLocation = keyStoreLocation;
        b.keyStoreType = keyStoreType;
        b.keyStorePassword = keyStorePassword;
        b.keyPassword = keyPassword;
        b.keyCertificateChain = keyCertificateChain;
        b.privateKey = privateKey;
        b.hostnameVerification = hostnameVerification;
        b.protocols = protocols;
        b.protocol = protocol;
        b.cipherSuites = cipherSuites;
        return b;
    }

    /** {@code ssl.truststore.location}, or null. */
    public Path trustStoreLocation() { return trustStoreLocation; }

    /** {@code ssl.truststore.type} as given, or null to take it from the file name. */
    public String trustStoreType() { return trustStoreType; }

    /** {@code ssl.truststore.password}, or null. */
    public Secret trustStorePassword() { return trustStorePassword; }

    /** {@code ssl.truststore.certificates} (PEM), or null. */
    public String trustCertificates() { return trustCertificates; }

    /** {@code ssl.keystore.location}, or null. */
    public Path keyStoreLocation() { return keyStoreLocation; }

    /** {@code ssl.keystore.type} as given, or null to take it from the file name. */
    public String keyStoreType() { return keyStoreType; }

    /** {@code ssl.keystore.password}, or null. */
    public Secret keyStorePassword() { return keyStorePassword; }

    /** {@code ssl.key.password}, or null. */
    public Secret keyPassword() { return keyPassword; }

    /** {@code ssl.keystore.certificate.chain} (PEM), or null. */
    public String keyCertificateChain() { return keyCertificateChain; }

    /** {@code ssl.keystore.key} (PEM, PKCS#8), or null. */
    public Secret privateKey() { return privateKey; }

    /** Whether a client certificate is given (a key store, or a PEM chain and key). */
    public boolean hasClientCertificate() {
        return keyStoreLocation != null || keyCertificateChain != null;
    }

    /** Whether the broker's certificate must name the host connected to ({@code ssl.endpoint.identification.algorithm=https}). */
    public boolean hostnameVerification() { return hostnameVerification; }

    /**
     * The versions enabled: {@code ssl.enabled.protocols} when set; otherwise both, or TLSv1.2 alone when
     * {@code ssl.protocol=TLSv1.2}.
     */
    public List<String> enabledProtocols() {
        if (protocols != null) {
            return protocols;
        }
        return "TLSv1.2".equals(protocol) ? List.of("TLSv1.2") : DEFAULT_ENABLED_PROTOCOLS;
    }

    /** {@code ssl.protocol} as given, or null. */
    public String protocol() { return protocol; }

    /** {@code ssl.cipher.suites}; empty for the JVM's defaults. */
    public List<String> cipherSuites() { return cipherSuites; }

    @Override
    public String toString() {
        return "TlsOptions(trust=" + (trustStoreLocation != null ? trustStoreLocation
                : trustCertificates != null ? "PEM" : "JVM default") + ", clientCertificate=" + hasClientCertificate()
                + ", hostnameVerification=" + hostnameVerification + ", protocols=" + enabledProtocols() + ")";
    }

    /** Builder of {@link TlsOptions}. */
    public static final class Builder {
        private Path trustStoreLocation;
        private String trustStoreType;
        private Secret trustStorePassword;
        private String trustCertificates;
        private Path keyStoreLocation;
        private String keyStoreType;
        private Secret keyStorePassword;
        private Secret keyPassword;
        private String keyCertificateChain;
        private Secret privateKey;
        private boolean hostnameVerification = true;
        private List<String> protocols;
        private String protocol;
        private List<String> cipherSuites = List.of();

        private Builder() {}

        /**
         * Trust the CAs in this trust store ({@code ssl.truststore.location}, {@code ssl.truststore.password});
         * its type comes from the file name (.p12 or .pfx PKCS12, .pem or .crt PEM, else JKS) unless
         * {@link #trustStoreType} says.
         */
        public Builder trustStore(Path location, Secret password) {
            this.trustStoreLocation = Objects.requireNonNull(location, "location");
            this.trustStorePassword = password;
            return this;
        }

        /** {@code ssl.truststore.location} alone; see {@link #trustStore}. */
        public Builder trustStoreLocation(Path location) {
            this.trustStoreLocation = location;
            return this;
        }

        /** {@code ssl.truststore.password} alone; see {@link #trustStore}. */
        public Builder trustStorePassword(Secret password) {
            this.trustStorePassword = password;
            return this;
        }

        /** {@code ssl.truststore.type}: JKS, PKCS12 or PEM. */
        public Builder trustStoreType(String type) {
            this.trustStoreType = storeType("ssl.truststore.type", type);
            return this;
        }

        /** Trust the CA certificates in this PEM text ({@code ssl.truststore.certificates}). */
        public Builder trustCertificates(String pem) {
            this.trustCertificates = Objects.requireNonNull(pem, "pem");
            return this;
        }

        /**
         * The client certificate for mutual TLS, from a JKS or PKCS12 key store ({@code ssl.keystore.location},
         * {@code ssl.keystore.password}, {@code ssl.key.password}; a null key password is the store's).
         */
        public Builder keyStore(Path location, Secret storePassword, Secret keyPassword) {
            this.keyStoreLocation = Objects.requireNonNull(location, "location");
            this.keyStorePassword = storePassword;
            this.keyPassword = keyPassword;
            return this;
        }

        /** {@code ssl.keystore.location} alone; see {@link #keyStore}. */
        public Builder keyStoreLocation(Path location) {
            this.keyStoreLocation = location;
            return this;
        }

        /** {@code ssl.keystore.password} alone; see {@link #keyStore}. */
        public Builder keyStorePassword(Secret password) {
            this.keyStorePassword = password;
            return this;
        }

        /** {@code ssl.keystore.type}: JKS, PKCS12 or PEM. */
        public Builder keyStoreType(String type) {
            this.keyStoreType = storeType("ssl.keystore.type", type);
            return this;
        }

        /** {@code ssl.key.password}: the password of the key in the key store, or of an encrypted PEM key. */
        public Builder keyPassword(Secret password) {
            this.keyPassword = password;
            return this;
        }

        /**
         * The client certificate for mutual TLS, as PEM: the certificate chain ({@code ssl.keystore.certificate.chain})
         * and a PKCS#8 key ({@code ssl.keystore.key}), encrypted with {@code keyPassword} or not (then null).
         */
        public Builder clientCertificate(String certificateChainPem, Secret privateKeyPem, Secret keyPassword) {
            this.keyCertificateChain = Objects.requireNonNull(certificateChainPem, "certificateChainPem");
            this.privateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
            this.keyPassword = keyPassword;
            return this;
        }

        /** {@code ssl.keystore.certificate.chain} alone; the key comes with {@link #privateKey}. */
        public Builder certificateChain(String pem) {
            this.keyCertificateChain = pem;
            return this;
        }

        /** {@code ssl.keystore.key} alone; the chain comes with {@link #certificateChain}. */
        public Builder privateKey(Secret pem) {
            this.privateKey = pem;
            return this;
        }

        /**
         * Whether the broker's certificate must name the host connected to (its subjectAltName). On by
         * default; turning it off lets anyone with a certificate from a trusted CA pose as the broker, and
         * logs a warning.
         */
        public Builder hostnameVerification(boolean on) {
            this.hostnameVerification = on;
            return this;
        }

        /** {@code ssl.enabled.protocols}: TLSv1.3 and/or TLSv1.2; nothing older is spoken. */
        public Builder enabledProtocols(List<String> protocols) {
            this.protocols = TlsConfig.protocols("ssl.enabled.protocols", protocols);
            return this;
        }

        /** {@code ssl.protocol}: TLSv1.3 (or TLS, the same) or TLSv1.2, the newest version spoken. */
        public Builder protocol(String protocol) {
            this.protocol = ConfigValues.oneOf("ssl.protocol", protocol, "TLSv1.3", "TLSv1.2", "TLS");
            return this;
        }

        /** {@code ssl.cipher.suites}; empty for the JVM's defaults. */
        public Builder cipherSuites(List<String> suites) {
            this.cipherSuites = List.copyOf(suites);
            return this;
        }

        /** The options; the stores are read (and the passwords tried) when the client options are built. */
        public TlsOptions build() {
            return new TlsOptions(this);
        }

        private static String storeType(String key, String type) {
            return ConfigValues.oneOf(key, type, "JKS", "PKCS12", "PEM");
        }
    }
}
