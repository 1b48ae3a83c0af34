package dev.skein.producer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProducerRecordTest {

    /**
     * As Apache Kafka's ProducerRecord: -1 is a batch's "no timestamp", and a far negative one would overflow
     * the record's delta from its batch's base timestamp.
     */
    @Test
    void aNegativeTimestampIsRefusedWhenTheRecordIsMade() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ProducerRecord<>("t", null, "k", "v", List.of(), -1L));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProducerRecord.of("t", "v").withTimestamp(Long.MIN_VALUE));
        assertEquals(0L, ProducerRecord.of("t", "v").withTimestamp(0).timestamp());
        assertNull(ProducerRecord.of("t", "v").timestamp(), "no timestamp: the time of send()");
    }
}
