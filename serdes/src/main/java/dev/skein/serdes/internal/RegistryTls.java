package dev.skein.serdes.internal;

import dev.skein.core.errors.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** An {@link SSLContext} for the registry client from PKCS12 or JKS key stores. */
public final class RegistryTls {
    private RegistryTls() {}

    public static SSLContext context(Path trustStore, char[] trustPassword, Path keyStore, char[] keyPassword) {
        try {
            TrustManagerFactory tmf = null;
            if (trustStore != null) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(trustStore, trustPassword, "schema.registry.ssl.truststore.location"));
            }
            KeyManagerFactory kmf = null;
            if (keyStore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keyStore, keyPassword, "schema.registry.ssl.keystore.location"), keyPassword);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("schema.registry.ssl", "cannot set up TLS: " + e.getMessage());
        }
    }

    private static KeyStore load(Path path, char[] password, String key) {
        // "PKCS12" stores also read JKS files (the JDK's keystore.type.compat, on by default since 9)
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(key, "cannot read key store " + path + ": " + e.getMessage());
        }
    }
}
