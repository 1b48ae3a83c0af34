package dev.skein.core.internal.security;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/** The SCRAM hash functions of RFC 5802 for SHA-256 and SHA-512 (shared by the client exchange and the admin API). */
public enum Scram {
    SHA_256("SCRAM-SHA-256", "SHA-256", "HmacSHA256", "PBKDF2WithHmacSHA256", 256),
    SHA_512("SCRAM-SHA-512", "SHA-512", "HmacSHA512", "PBKDF2WithHmacSHA512", 512);

    /** Kafka's floor, and RFC 7677's recommendation for SCRAM-SHA-256. */
    public static final int MIN_ITERATIONS = 4096;
    /** Kafka's ceiling: it creates no credential with more (AlterUserScramCredentials, KIP-554). */
    public static final int MAX_ITERATIONS = 16384;

    private final String mechanism;
    private final String digest;
    private final String hmac;
    private final String pbkdf2;
    private final int keyBits;

    Scram(String mechanism, String digest, String hmac, String pbkdf2, int keyBits) {
        this.mechanism = mechanism;
        this.digest = digest;
        this.hmac = hmac;
        this.pbkdf2 = pbkdf2;
        this.keyBits = keyBits;
    }

    public String mechanism() {
        return mechanism;
    }

    /** Hi(password, salt, i): PBKDF2 with this HMAC over the UTF-8 password, one output block. */
    public byte[] hi(String password, byte[] salt, int iterations) {
        char[] chars = password.toCharArray();
        PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, keyBits);
        try {
            return SecretKeyFactory.getInstance(pbkdf2).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + pbkdf2, e);
        } finally {
            spec.clearPassword();
            Arrays.fill(chars, '\0');
        }
    }

    public byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(hmac);
            mac.init(new SecretKeySpec(key, hmac));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + hmac, e);
        }
    }

    public byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance(digest).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot compute " + digest, e);
        }
    }
}
