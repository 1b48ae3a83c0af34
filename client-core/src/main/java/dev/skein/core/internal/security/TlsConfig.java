package dev.skein.core.internal.security;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.security.Secret;
import dev.skein.core.security.TlsOptions;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS settings as given ({@code ssl.*}), and the contexts built from them. Trust comes from a JKS or
 * PKCS12 trust store, from PEM certificates (a file or a string), or, with none of these, from the
 * JVM's default trust. A client certificate for mutual TLS comes from a JKS or PKCS12 key store or
 * from a PEM chain and PKCS#8 key. TLS 1.2 is the floor and 1.3 is preferred; the broker's
 * certificate must name the host connected to unless hostname verification is turned off.
 * Immutable; errors name the key at fault and never quote a password or key.
 */
public final class TlsConfig {
    public static final List<String> DEFAULT_PROTOCOLS = TlsOptions.DEFAULT_ENABLED_PROTOCOLS;

    public Path trustStoreLocation;
    public String trustStoreType;
    public Secret trustStorePassword;
    public String trustCertificates;
    public Path keyStoreLocation;
    public String keyStoreType;
    public Secret keyStorePassword;
    public Secret keyPassword;
    public String keyCertificateChain;
    public Secret privateKey;
    public boolean hostnameVerification = true;
    public List<String> protocols = DEFAULT_PROTOCOLS;
    /** {@code ssl.protocol}: the newest version the context may speak; null (or TLS, TLSv1.3) for TLSv1.3. */
    public String protocol;
    public List<String> cipherSuites = List.of();

    /** The settings of these options, to build contexts from. */
    public static TlsConfig of(TlsOptions o) {
        TlsConfig c = new TlsConfig();
        c.trustStoreLocation = o.trustStoreLocation();
        c.trustStoreType = o.trustStoreType();
        c.trustStorePassword = o.trustStorePassword();
        c.trustCertificates = o.trustCertificates();
        c.keyStoreLocation = o.keyStoreLocation();
        c.keyStoreType = o.keyStoreType();
        c.keyStorePassword = o.keyStorePassword();
        c.keyPassword = o.keyPassword();
        c.keyCertificateChain = o.keyCertificateChain();
        c.privateKey = o.privateKey();
        c.hostnameVerification = o.hostnameVerification();
        c.protocols = o.enabledProtocols();
        c.protocol = o.protocol();
        c.cipherSuites = o.cipherSuites();
        return c;
    }

    /** Checks a list of protocol versions: only TLSv1.2 and TLSv1.3. */
    public static List<String> protocols(String key, List<String> requested) {
        if (requested.isEmpty()) {
            throw new ConfigException(key, "must name at least one of TLSv1.3, TLSv1.2");
        }
        List<String> out = new ArrayList<>();
        for (String p : requested) {
            if (p.equalsIgnoreCase("TLSv1.3") || p.equalsIgnoreCase("TLSv1.2")) {
                out.add(p.equalsIgnoreCase("TLSv1.3") ? "TLSv1.3" : "TLSv1.2");
            } else {
                throw new ConfigException(key, "'" + p + "' is refused: Skein speaks TLSv1.3 and TLSv1.2 only");
            }
        }
        return List.copyOf(out);
    }

    /** The trust managers this configuration names, or null for the JVM's default. */
    public TrustManagerFactory trustManagers() {
        KeyStore trust;
        if (trustCertificates != null) {
            trust = certificateStore("ssl.truststore.certificates", trustCertificates);
        } else if (trustStoreLocation != null) {
            String type = type(trustStoreType, trustStoreLocation);
            trust = type.equals("PEM")
                    ? certificateStore("ssl.truststore.location", read("ssl.truststore.location", trustStoreLocation))
                    : load("ssl.truststore", trustStoreLocation, type, trustStorePassword);
        } else {
            return null;
        }
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("ssl.truststore.location", "cannot be used as a trust store: " + e.getMessage());
        }
    }

    /**
     * The versions enabled: {@code ssl.enabled.protocols} when set; otherwise both, or TLSv1.2 alone
     * when {@code ssl.protocol=TLSv1.2} (a context of that protocol, in the JDK, speaks nothing newer).
     */
    public List<String> enabledProtocols() {
        if (protocols == DEFAULT_PROTOCOLS && "TLSv1.2".equals(protocol)) {
            return List.of("TLSv1.2");
        }
        return protocols;
    }

    /** The Netty context for broker connections. */
    public SslContext nettyContext() {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(enabledProtocols())
                .endpointIdentificationAlgorithm(hostnameVerification ? "HTTPS" : null);
        TrustManagerFactory tmf = trustManagers();
        if (tmf != null) {
            b.trustManager(tmf);
        }
        KeyManagerFactory kmf = keyManagers();
        if (kmf != null) {
            b.keyManager(kmf);
        }
        if (!cipherSuites.isEmpty()) {
            b.ciphers(cipherSuites);
        }
        SslContext ctx;
        try {
            ctx = b.build();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("ssl.enabled.protocols", "cannot build a TLS context: " + e.getMessage());
        }
        if (!cipherSuites.isEmpty()) {
            checkCipherSuites(ctx);
        }
        return ctx;
    }

    /**
     * Netty hands the JVM the cipher suites only when it makes an engine, at each connection: a name the
     * JVM does not know would fail every attempt, retried for ever, instead of the options' build().
     */
    private void checkCipherSuites(SslContext ctx) {
        SSLEngine engine;
        try {
            engine = ctx.newEngine(ByteBufAllocator.DEFAULT);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("ssl.cipher.suites", "names a cipher suite this JVM does not support: " + e.getMessage());
        }
        ReferenceCountUtil.release(engine);
    }

    /** A JDK context with the same trust (for the OAuth token endpoint). */
    public SSLContext jdkContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            TrustManagerFactory tmf = trustManagers();
            ctx.init(null, tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("ssl.truststore.location", "cannot build a TLS context: " + e.getMessage());
        }
    }

    private KeyManagerFactory keyManagers() {
        KeyStore keys;
        char[] keyPass;
        if (keyCertificateChain != null || privateKey != null) {
            if (keyCertificateChain == null || privateKey == null) {
                throw new ConfigException(keyCertificateChain == null ? "ssl.keystore.certificate.chain" : "ssl.keystore.key",
                        "is required with " + (keyCertificateChain == null ? "ssl.keystore.key" : "ssl.keystore.certificate.chain"));
            }
            keys = Pem.keyStore(keyCertificateChain, privateKey, keyPassword);
            keyPass = Pem.STORE_PASSWORD;
        } else if (keyStoreLocation != null) {
            String type = type(keyStoreType, keyStoreLocation);
            if (type.equals("PEM")) {
                String pem = read("ssl.keystore.location", keyStoreLocation);
                keys = Pem.keyStore(pem, Secret.of(pem), keyPassword);
                keyPass = Pem.STORE_PASSWORD;
            } else {
                keys = load("ssl.keystore", keyStoreLocation, type, keyStorePassword);
                Secret kp = keyPassword != null ? keyPassword : keyStorePassword;
                keyPass = kp == null ? new char[0] : kp.reveal().toCharArray();
            }
        } else {
            return null;
        }
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, keyPass);
            return kmf;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("ssl.key.password", "does not unlock the key in the key store ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** The store type: as given, else from the file name (.p12/.pfx PKCS12, .pem/.crt PEM), else JKS. */
    private static String type(String given, Path location) {
        if (given != null) {
            return given.toUpperCase();
        }
        String name = location.getFileName().toString().toLowerCase();
        if (name.endsWith(".p12") || name.endsWith(".pfx")) {
            return "PKCS12";
        }
        if (name.endsWith(".pem") || name.endsWith(".crt")) {
            return "PEM";
        }
        return "JKS";
    }

    private static KeyStore load(String prefix, Path location, String type, Secret password) {
        try (InputStream in = open(prefix + ".location", location)) {
            KeyStore ks = KeyStore.getInstance(type);
            ks.load(in, password == null ? null : password.reveal().toCharArray());
            return ks;
        } catch (IOException e) {
            String why = e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password") ? "the password is wrong" : e.getMessage();
            throw new ConfigException(prefix + ".password", "cannot open " + type + " store " + location + ": " + why);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(prefix + ".type", "cannot read " + location + " as " + type + ": " + e.getMessage());
        }
    }

    private static KeyStore certificateStore(String key, String pem) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            for (Certificate c : Pem.certificates(key, pem)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(key, "cannot hold the certificates: " + e.getMessage());
        }
    }

    private static InputStream open(String key, Path location) {
        try {
            return Files.newInputStream(location);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + location + ": " + e);
        }
    }

    private static String read(String key, Path location) {
        try {
            return Files.readString(location, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + location + ": " + e);
        }
    }
}
