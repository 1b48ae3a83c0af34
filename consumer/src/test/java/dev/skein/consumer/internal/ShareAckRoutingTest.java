package dev.skein.consumer.internal;

import dev.skein.consumer.ShareConsumer;
import dev.skein.consumer.ShareRecord;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.core.message.ShareFetchResponse;
import dev.skein.serdes.Serdes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Acknowledgements are kept by the broker whose share session delivered their records (KIP-932), so that after
 * a leader move those of records the old leader delivered go to its session, not to the new leader's, which
 * holds no lock on them and refuses them (INVALID_RECORD_STATE). Without a broker: a leader move that makes
 * both sessions hold the partition at the moment an acknowledgement is sent is not something a test cluster
 * produces at will.
 */
class ShareAckRoutingTest {
    private static final byte ACCEPT = 1;
    private static final byte RELEASE = 2;

    @Test
    void acknowledgementsAreKeptAndTakenByTheBrokerThatDeliveredTheirRecords() {
        TopicPartition tp = new TopicPartition("t", 0);
        ShareAcks acks = new ShareAcks();
        acks.add(2, tp, 0, ACCEPT); // delivered by the old leader
        acks.add(2, tp, 1, ACCEPT);
        acks.add(1, tp, 7, RELEASE); // by the new one
        assertEquals(Set.of(tp), acks.partitions(1));
        assertEquals(Set.of(tp), acks.partitions(2));
        assertEquals(Map.of(7L, RELEASE), acks.take(1, tp), "the new leader's session carries only what it delivered");
        assertNull(acks.take(1, tp));
        acks.add(2, tp, 1, RELEASE); // a later acknowledgement of an offset wins
        assertEquals(Map.of(0L, ACCEPT, 1L, RELEASE), acks.get(2, tp));
        acks.putBack(2, tp, Map.of(1L, ACCEPT, 3L, ACCEPT)); // not applied: sent again, under what was given since
        assertEquals(Map.of(0L, ACCEPT, 1L, RELEASE, 3L, ACCEPT), acks.take(2, tp));
        assertEquals(List.of(), acks.sources());
    }

    @Test
    void theRecordsOfAShareFetchAreAcknowledgedToTheBrokerThatAnsweredIt() throws Exception {
        ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers("127.0.0.1:1").groupId("g").build();
        TopicPartition tp = new TopicPartition("t", 0);
        try {
            ByteBuf records = batch(0, 2);
            ShareFetchResponse.PartitionData p = new ShareFetchResponse.PartitionData().setPartitionIndex(0).setRecords(records)
                    .setAcquiredRecords(List.of(new ShareFetchResponse.AcquiredRecords().setFirstOffset(0).setLastOffset(2)
                            .setDeliveryCount((short) 1)));
            List<ShareRecord<String, String>> out = new ArrayList<>();
            try {
                Method decode = SkeinShareConsumer.class.getDeclaredMethod("decode", int.class, TopicPartition.class,
                        ShareFetchResponse.PartitionData.class, List.class);
                decode.setAccessible(true);
                decode.invoke(c, 2, tp, p, out); // broker 2 answered
            } finally {
                records.release();
            }
            assertEquals(2, out.size());
            field("lastPoll").set(c, out);
            Method settle = SkeinShareConsumer.class.getDeclaredMethod("settleLastPoll");
            settle.setAccessible(true);
            settle.invoke(c); // implicit mode: both accepted
            ShareAcks pending = (ShareAcks) field("pending").get(c);
            assertEquals(Map.of(0L, ACCEPT, 1L, ACCEPT, 2L, (byte) 0), pending.get(2, tp),
                    "the two records accepted and the acquired offset with no record a gap, all to broker 2");
            assertEquals(Set.of(), pending.partitions(1), "nothing for another broker's session");
            pending.clear(); // nothing to send to a broker that is not there
        } finally {
            c.close(Duration.ofSeconds(5));
        }
    }

    private static ByteBuf batch(long base, int n) {
        RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, Compression.NONE, base, 256)
                .producer(-1, (short) 0, 0, false);
        for (int i = 0; i < n; i++) {
            b.append(0L, null, ("v" + (base + i)).getBytes(StandardCharsets.UTF_8), null);
        }
        return b.build();
    }

    private static Field field(String name) throws Exception {
        Field f = SkeinShareConsumer.class.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
