package dev.skein.admin;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScramChangeTest {

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    /** The SCRAM-SHA-256 example of RFC 7677: our Hi() yields the client proof the RFC prints. */
    @Test
    void hiMatchesTheRfc7677Example() throws Exception {
        byte[] salt = Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ==");
        byte[] salted = ScramChange.hi(ScramMechanism.SCRAM_SHA_256, "pencil", salt, 4096);
        byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.UTF_8));
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        String authMessage = "n=user,r=rOprNGfwEbeRWgbNEkqO,"
                + "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
                + "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
        byte[] signature = hmac(storedKey, authMessage.getBytes(StandardCharsets.UTF_8));
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        assertEquals("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Base64.getEncoder().encodeToString(proof));
    }

    @Test
    void thePasswordIsNeverShownAndEachUpsertGetsAFreshSalt() {
        ScramChange c = ScramChange.upsert("alice", ScramMechanism.SCRAM_SHA_512, 4096, "s3cret-pw");
        assertFalse(c.toString().contains("s3cret-pw"), c.toString());
        SecureRandom random = new SecureRandom();
        ScramChange.Salted a = c.salt(random);
        ScramChange.Salted b = c.salt(random);
        assertEquals(64, a.saltedPassword().length, "SHA-512 gives 64 bytes");
        assertNotEquals(Base64.getEncoder().encodeToString(a.salt()), Base64.getEncoder().encodeToString(b.salt()));
        assertThrows(IllegalArgumentException.class, () -> ScramChange.upsert("alice", ScramMechanism.SCRAM_SHA_256, 1000, "pw"));
        assertThrows(IllegalStateException.class, () -> ScramChange.delete("alice", ScramMechanism.SCRAM_SHA_256).salt(random));
    }
}
