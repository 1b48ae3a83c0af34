package dev.skein.core.internal.security;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.security.Secret;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A client key and certificate chain from PEM: PKCS#8 keys (KIP-651), plain or encrypted with
 * {@code ssl.key.password} under PBES2 (PBKDF2 and AES, as OpenSSL writes them) or a PBES1 scheme.
 */
final class Pem {
    static final char[] STORE_PASSWORD = new char[0];
    private static final String PBES2_OID = "1.2.840.113549.1.5.13";
    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN (ENCRYPTED )?PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END (?:ENCRYPTED )?PRIVATE KEY-----");

    private Pem() {}

    static KeyStore keyStore(String chainPem, Secret keyPem, Secret keyPassword) {
        Collection<? extends Certificate> chain = certificates("ssl.keystore.certificate.chain", chainPem);
        PrivateKey key = privateKey(keyPem.reveal(), keyPassword);
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", key, STORE_PASSWORD, chain.toArray(Certificate[]::new));
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("ssl.keystore.key", "does not match the certificate chain: " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(String pem, Secret password) {
        Matcher m = KEY.matcher(pem);
        if (!m.find()) {
            throw new ConfigException("ssl.keystore.key", "holds no PKCS#8 PEM key (BEGIN PRIVATE KEY or BEGIN ENCRYPTED"
                    + " PRIVATE KEY)");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        PKCS8EncodedKeySpec spec;
        try {
            if (m.group(1) != null) {
                if (password == null) {
                    throw new ConfigException("ssl.key.password", "is required: the PEM key is encrypted");
                }
                spec = decrypt(new EncryptedPrivateKeyInfo(der), password);
            } else {
                spec = new PKCS8EncodedKeySpec(der);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException("ssl.key.password", "does not decrypt the PEM key (" + e.getClass().getSimpleName() + ")");
        }
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448", "DSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new ConfigException("ssl.keystore.key", "is not an RSA, EC, EdDSA or DSA key");
    }

    /**
     * Decrypts a PKCS#8 key. PBES2 (PBKDF2 with AES: what OpenSSL writes today) is named by its
     * parameters, {@code PBEWithHmacSHA256AndAES_256} and the like: JDK 17 calls the scheme "PBES2",
     * a name no SecretKeyFactory answers to. PBES1 schemes are named by the algorithm itself.
     */
    private static PKCS8EncodedKeySpec decrypt(EncryptedPrivateKeyInfo info, Secret password)
            throws IOException, GeneralSecurityException {
        AlgorithmParameters params = info.getAlgParameters();
        String algorithm = info.getAlgName();
        if (params != null && (algorithm.equals("PBES2") || algorithm.equals(PBES2_OID))) {
            algorithm = params.toString();
        }
        char[] chars = password.reveal().toCharArray();
        PBEKeySpec keySpec = new PBEKeySpec(chars);
        try {
            SecretKey key = SecretKeyFactory.getInstance(algorithm).generateSecret(keySpec);
            Cipher cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, key, params);
            return info.getKeySpec(cipher);
        } finally {
            keySpec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    private static final Pattern CERTIFICATE = Pattern.compile(
            "-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\\s]+-----END CERTIFICATE-----");

    /**
     * The X.509 certificates in PEM text; only CERTIFICATE blocks are read, since a PEM file may hold
     * the key too.
     *
     * @throws ConfigException naming {@code key} when there is none, or one does not parse
     */
    static Collection<? extends Certificate> certificates(String key, String pem) {
        StringBuilder blocks = new StringBuilder();
        Matcher m = CERTIFICATE.matcher(pem);
        while (m.find()) {
            blocks.append(m.group()).append('\n');
        }
        if (blocks.length() == 0) {
            throw new ConfigException(key, "holds no PEM certificate");
        }
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(blocks.toString().getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new ConfigException(key, "holds no readable PEM certificate: " + e.getMessage());
        }
    }
}
