package dev.skein.core.internal;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Member ids in Apache Kafka's UUID text form, which its brokers decode. */
class MemberIdsTest {
    @Test
    void anIdIsAUuidInKafkasTextForm() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = MemberIds.random();
            assertEquals(22, id.length(), id);
            assertTrue(id.matches("[A-Za-z0-9_-]+"), id);
            assertFalse(id.startsWith("-"), id);
            ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode(id));
            UUID u = new UUID(b.getLong(), b.getLong());
            assertEquals(4, u.version(), "a random UUID: " + id);
            assertTrue(seen.add(id), "unique: " + id);
        }
    }

    @Test
    void theTextFormIsKafkas() {
        assertEquals("ASNFZ4mrze_-3LqYdlQyEA", MemberIds.text(new UUID(0x0123456789abcdefL, 0xfedcba9876543210L)));
        for (int i = 0; i < 100; i++) { // the reference client reads each back as the same UUID
            UUID u = UUID.randomUUID();
            org.apache.kafka.common.Uuid k = org.apache.kafka.common.Uuid.fromString(MemberIds.text(u));
            assertEquals(u.getMostSignificantBits(), k.getMostSignificantBits());
            assertEquals(u.getLeastSignificantBits(), k.getLeastSignificantBits());
            assertEquals(k.toString(), MemberIds.text(u));
        }
    }
}
