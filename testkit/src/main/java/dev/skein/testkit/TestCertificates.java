package dev.skein.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and the certificates it signed, made with the JDK's
 * {@code keytool} the first time a JVM asks for them (a few seconds), then shared.
 *
 * <ul>
 *   <li>{@link #brokerKeyStore()}: a broker certificate whose subjectAltName names {@code 127.0.0.1}
 *       and {@code localhost};</li>
 *   <li>{@link #wrongSanKeyStore()}: one that names only {@code wrong.invalid}, so hostname
 *       verification must refuse it;</li>
 *   <li>{@link #clientKeyStore()}: a client certificate for mutual TLS, also as PEM
 *       ({@link #clientCertificatePem()}, {@link #clientKeyPem()}) and as JKS;</li>
 *   <li>trust stores holding the CA in PKCS12 and JKS, and the CA as PEM.</li>
 * </ul>
 * Every store and key has the password {@link #PASSWORD}.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-store-pass";
    private static final int VALID_DAYS = 30;
    private static TestCertificates shared;

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** The JVM's certificates, made on first use. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("skein-certs-");
                dir.toFile().deleteOnExit();
                shared = create(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** Makes a CA and its certificates under {@code dir}. */
    public static TestCertificates create(Path dir) {
        TestCertificates c = new TestCertificates(dir);
        c.make();
        return c;
    }

    /** The CA certificate, PEM. */
    public Path caPem() { return dir.resolve("ca.pem"); }

    /** A PKCS12 trust store holding the CA. */
    public Path trustStore() { return dir.resolve("truststore.p12"); }

    /** A JKS trust store holding the CA. */
    public Path trustStoreJks() { return dir.resolve("truststore.jks"); }

    /** The broker's PKCS12 key store (SAN: 127.0.0.1, localhost). */
    public Path brokerKeyStore() { return dir.resolve("broker.p12"); }

    /** A broker PKCS12 key store whose certificate names only {@code wrong.invalid}. */
    public Path wrongSanKeyStore() { return dir.resolve("wrongsan.p12"); }

    /** The client's PKCS12 key store, for mutual TLS. */
    public Path clientKeyStore() { return dir.resolve("client.p12"); }

    /** The client's key store as JKS. */
    public Path clientKeyStoreJks() { return dir.resolve("client.jks"); }

    /** The client's certificate chain, PEM. */
    public Path clientCertificatePem() { return dir.resolve("client-chain.pem"); }

    /** The client's private key, unencrypted PKCS#8 PEM. */
    public Path clientKeyPem() { return dir.resolve("client-key.pem"); }

    private void make() {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Skein Test CA",
                "-ext", "bc:c", "-validity", Integer.toString(VALID_DAYS), "-keystore", str(dir.resolve("ca.p12")),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", str(dir.resolve("ca.p12")), "-storepass", PASSWORD,
                "-file", str(caPem()));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", str(caPem()), "-keystore", str(trustStore()),
                "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", str(caPem()), "-keystore", str(trustStoreJks()),
                "-storetype", "JKS", "-storepass", PASSWORD);
        signed("broker", "CN=broker", "SAN=ip:127.0.0.1,dns:localhost");
        signed("wrongsan", "CN=wrong.invalid", "SAN=dns:wrong.invalid");
        signed("client", "CN=client", null);
        keytool("-importkeystore", "-srckeystore", str(clientKeyStore()), "-srcstoretype", "PKCS12", "-srcstorepass",
                PASSWORD, "-destkeystore", str(clientKeyStoreJks()), "-deststoretype", "JKS", "-deststorepass", PASSWORD,
                "-destkeypass", PASSWORD, "-noprompt");
        writeClientPem();
    }

    /** A key pair in {@code name.p12} whose certificate the CA signed, with the CA before it in the chain. */
    private void signed(String name, String dname, String san) {
        Path store = dir.resolve(name + ".p12");
        Path csr = dir.resolve(name + ".csr");
        Path crt = dir.resolve(name + ".crt");
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-validity",
                Integer.toString(VALID_DAYS), "-keystore", str(store), "-storetype", "PKCS12", "-storepass", PASSWORD,
                "-keypass", PASSWORD);
        keytool("-certreq", "-alias", name, "-keystore", str(store), "-storepass", PASSWORD, "-file", str(csr));
        List<String> sign = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", str(dir.resolve("ca.p12")),
                "-storepass", PASSWORD, "-infile", str(csr), "-outfile", str(crt), "-rfc", "-validity",
                Integer.toString(VALID_DAYS), "-ext", "eku=serverAuth,clientAuth"));
        if (san != null) {
            sign.add("-ext");
            sign.add(san);
        }
        keytool(sign.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", str(caPem()), "-keystore", str(store),
                "-storepass", PASSWORD);
        keytool("-importcert", "-noprompt", "-alias", name, "-file", str(crt), "-keystore", str(store),
                "-storepass", PASSWORD);
    }

    private void writeClientPem() {
        try (InputStream in = Files.newInputStream(clientKeyStore())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            StringBuilder chain = new StringBuilder();
            for (Certificate c : ks.getCertificateChain("client")) {
                chain.append(pem("CERTIFICATE", c.getEncoded()));
            }
            Files.writeString(clientCertificatePem(), chain);
            byte[] pkcs8 = ks.getKey("client", PASSWORD.toCharArray()).getEncoded();
            Files.writeString(clientKeyPem(), pem("PRIVATE KEY", pkcs8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the client key store", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private void keytool(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Path log = dir.resolve("keytool.log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + Files.readString(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running keytool", e);
        }
    }

    private static String str(Path p) {
        return p.toString();
    }
}
