package dev.skein.core.internal.security;

import dev.skein.core.ClientOptions;
import dev.skein.core.errors.ConfigException;
import dev.skein.testkit.TestCertificates;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.security.AlgorithmParameters;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Client keys and chains as PEM (KIP-651), read when the client options are built. */
class PemTest {
    private static final String KEY_PASSWORD = "pem-Key-Pass-7";

    /** The test client's key, encrypted as PKCS#8 with {@code algorithm} (PBES2 for the AES ones). */
    private static String encrypted(String algorithm) throws Exception {
        String pem = Files.readString(TestCertificates.shared().clientKeyPem());
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        new SecureRandom().nextBytes(salt);
        new SecureRandom().nextBytes(iv);
        Cipher c = Cipher.getInstance(algorithm);
        c.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(KEY_PASSWORD.toCharArray())),
                algorithm.contains("AES") ? new PBEParameterSpec(salt, 10_000, new IvParameterSpec(iv)) : new PBEParameterSpec(salt, 10_000));
        AlgorithmParameters params = c.getParameters();
        byte[] encrypted = c.doFinal(der);
        // JDK 17 cannot name PBES2 parameters in EncryptedPrivateKeyInfo's constructor: the DER by hand.
        byte[] info = algorithm.contains("AES")
                ? der(0x30, der(0x30, PBES2_OID, params.getEncoded()), der(0x04, encrypted))
                : new EncryptedPrivateKeyInfo(params, encrypted).getEncoded();
        return "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(info)
                + "\n-----END ENCRYPTED PRIVATE KEY-----\n";
    }

    /** OID 1.2.840.113549.1.5.13, PBES2 (RFC 8018). */
    private static final byte[] PBES2_OID = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x05, 0x0D};

    /** A DER element of {@code tag} holding {@code parts}. */
    private static byte[] der(int tag, byte[]... parts) {
        java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int n = content.size();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xFF);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    private static ClientOptions.Builder withKey(String keyPem, String password) throws Exception {
        Map<String, Object> props = new HashMap<>(Map.of("security.protocol", "SSL",
                "ssl.keystore.type", "PEM",
                "ssl.keystore.certificate.chain", Files.readString(TestCertificates.shared().clientCertificatePem()),
                "ssl.keystore.key", keyPem));
        if (password != null) {
            props.put("ssl.key.password", password);
        }
        return ClientOptions.builder().bootstrapServers("h:1").properties(props);
    }

    @Test
    void pbes2EncryptedKeysAsOpenSslWritesThemAreRead() throws Exception {
        // `openssl pkcs8 -topk8` and `openssl genpkey -aes256` write PBES2 (PBKDF2 and AES), the form an
        // encrypted PKCS#8 key takes today; KIP-651 reads it with ssl.key.password.
        for (String algorithm : new String[] {"PBEWithHmacSHA256AndAES_256", "PBEWithHmacSHA512AndAES_128"}) {
            assertNotNull(withKey(encrypted(algorithm), KEY_PASSWORD).build().sslContext(), algorithm);
        }
        assertNotNull(withKey(encrypted("PBEWithSHA1AndDESede"), KEY_PASSWORD).build().sslContext(), "PBES1");
        assertNotNull(withKey(Files.readString(TestCertificates.shared().clientKeyPem()), null).build().sslContext());
    }

    @Test
    void aWrongKeyPasswordNamesTheKeyAndNotThePassword() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> withKey(encrypted("PBEWithHmacSHA256AndAES_256"), "not-" + KEY_PASSWORD).build());
        assertEquals("ssl.key.password", e.key());
        assertFalse(e.getMessage().contains(KEY_PASSWORD), e.getMessage());
        ConfigException none = assertThrows(ConfigException.class,
                () -> withKey(encrypted("PBEWithHmacSHA256AndAES_256"), null).build());
        assertEquals("ssl.key.password", none.key());
        assertTrue(none.getMessage().contains("encrypted"), none.getMessage());
    }
}
