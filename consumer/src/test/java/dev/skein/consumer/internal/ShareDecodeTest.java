package dev.skein.consumer.internal;

import dev.skein.consumer.ShareConsumer;
import dev.skein.consumer.ShareRecord;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.core.message.ShareFetchResponse;
import dev.skein.serdes.Serdes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The share consumer's decoding of a ShareFetch answer, without a broker: a batch that cannot be decoded
 * fails only its own records (released at once), the partition's other batches and the answer's other
 * partitions are handed out, and the error is kept to be raised by the poll.
 */
class ShareDecodeTest {
    private static final byte RELEASE = 2;

    /** {@code n} records from {@code base}, values "v<offset>", in {@code codec}. */
    private static ByteBuf batch(Compression codec, long base, int n) {
        RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, codec, 0L, 256)
                .producer(-1, (short) 0, 0, false);
        for (int i = 0; i < n; i++) {
            b.append(0L, null, ("v" + (base + i)).getBytes(StandardCharsets.UTF_8), null);
        }
        ByteBuf buf = b.build();
        buf.setLong(0, base); // the broker assigns the base offset
        RecordBatchBuilder.rewriteProducerState(buf, -1, (short) 0, 0); // recompute the CRC
        return buf;
    }

    /** Offsets 0-5 in three batches of two, the middle one spoiled and its CRC recomputed (so it passes the check). */
    private static ShareFetchResponse.PartitionData partition(int index, Consumer<ByteBuf> spoil) {
        ByteBuf bad = batch(Compression.ZSTD, 2, 2);
        spoil.accept(bad);
        RecordBatchBuilder.rewriteProducerState(bad, -1, (short) 0, 0);
        ByteBuf records = Unpooled.wrappedBuffer(batch(Compression.NONE, 0, 2), bad, batch(Compression.ZSTD, 4, 2));
        return new ShareFetchResponse.PartitionData().setPartitionIndex(index).setRecords(records)
                .setAcquiredRecords(List.of(new ShareFetchResponse.AcquiredRecords().setFirstOffset(0).setLastOffset(5)
                        .setDeliveryCount((short) 1)));
    }

    @Test
    void aBatchThatDoesNotDecodeReleasesOnlyItsRecordsAndTheRestOfTheAnswerIsHandedOut() throws Exception {
        Map<String, Consumer<ByteBuf>> spoils = Map.of(
                "codec 5", bad -> bad.setShort(21, (bad.getShort(21) & ~RecordBatch.COMPRESSION_MASK) | 5),
                "garbled zstd", bad -> {
                    for (int i = 61; i < bad.writerIndex(); i++) {
                        bad.setByte(i, 0x55);
                    }
                });
        for (Map.Entry<String, Consumer<ByteBuf>> spoil : spoils.entrySet()) {
            String what = spoil.getKey();
            ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers("127.0.0.1:1").groupId("g").build();
            try {
                List<ShareRecord<String, String>> out = new ArrayList<>();
                TopicPartition t0 = new TopicPartition("t", 0);
                TopicPartition t1 = new TopicPartition("t", 1);
                for (TopicPartition tp : List.of(t0, t1)) {
                    ShareFetchResponse.PartitionData p = partition(tp.partition(), spoil.getValue());
                    try {
                        decode(c, tp, p, out);
                    } finally {
                        p.records().release();
                    }
                }
                List<String> got = out.stream().map(r -> r.partition() + ":" + r.value()).toList();
                assertEquals(List.of("0:v0", "0:v1", "0:v4", "0:v5", "1:v0", "1:v1", "1:v4", "1:v5"), got,
                        what + ": the good batches of both partitions are handed out");
                for (TopicPartition tp : List.of(t0, t1)) {
                    TreeMap<Long, Byte> pending = pending(c).get(1, tp);
                    assertEquals(Map.of(2L, RELEASE, 3L, RELEASE), pending, what + ": the spoiled batch's records go back now");
                }
                RuntimeException deferred = (RuntimeException) field(c, "deferred").get(c);
                assertTrue(deferred instanceof CorruptRecordException, what + ": raised typed by the poll: " + deferred);
            } finally {
                pending(c).clear(); // nothing to send to a broker that is not there
                field(c, "deferred").set(c, null);
                c.close(java.time.Duration.ofSeconds(5));
            }
        }
    }

    /**
     * Offsets 0-5 in three batches of two, the middle one's magic byte 0: the first batch is handed out,
     * the records acquired from the bad batch on are released (they cannot be framed), and the error is
     * kept for the poll.
     */
    @Test
    void recordsBeforeABatchThatDoesNotFrameAreHandedOutAndTheRestReleased() throws Exception {
        ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers("127.0.0.1:1").groupId("g").build();
        try {
            TopicPartition tp = new TopicPartition("t", 0);
            ShareFetchResponse.PartitionData p = partition(0, bad -> bad.setByte(RecordBatch.MAGIC_OFFSET, 0));
            List<ShareRecord<String, String>> out = new ArrayList<>();
            try {
                decode(c, tp, p, out);
            } finally {
                p.records().release();
            }
            assertEquals(List.of("v0", "v1"), out.stream().map(ShareRecord::value).toList(), "the batch before the bad one");
            assertEquals(Map.of(2L, RELEASE, 3L, RELEASE, 4L, RELEASE, 5L, RELEASE), pending(c).get(1, tp),
                    "from the bad batch on, every acquired record goes back");
            RuntimeException deferred = (RuntimeException) field(c, "deferred").get(c);
            assertTrue(deferred instanceof CorruptRecordException && deferred.getMessage().contains("magic 0"), String.valueOf(deferred));
        } finally {
            pending(c).clear();
            field(c, "deferred").set(c, null);
            c.close(java.time.Duration.ofSeconds(5));
        }
    }

    /**
     * A zstd batch decompressing past skein.buffer.max.bytes (16 KiB here): its records are released and the
     * poll raises a RecordTooLargeException naming the setting, not a corruption; the other batches are handed out.
     */
    @Test
    void aBatchOverTheBufferBoundIsReleasedAndRaisedAsTooLarge() throws Exception {
        ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers("127.0.0.1:1").groupId("g").property("skein.buffer.max.bytes", "16384").build();
        try {
            TopicPartition tp = new TopicPartition("t", 0);
            RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, Compression.ZSTD, 0L, 256)
                    .producer(-1, (short) 0, 0, false);
            b.append(0L, null, new byte[32 * 1024], null);
            b.append(0L, null, new byte[32 * 1024], null);
            ByteBuf big = b.build();
            big.setLong(0, 2);
            RecordBatchBuilder.rewriteProducerState(big, -1, (short) 0, 0);
            ByteBuf records = Unpooled.wrappedBuffer(batch(Compression.NONE, 0, 2), big, batch(Compression.ZSTD, 4, 2));
            ShareFetchResponse.PartitionData p = new ShareFetchResponse.PartitionData().setPartitionIndex(0).setRecords(records)
                    .setAcquiredRecords(List.of(new ShareFetchResponse.AcquiredRecords().setFirstOffset(0).setLastOffset(5)
                            .setDeliveryCount((short) 1)));
            List<ShareRecord<String, String>> out = new ArrayList<>();
            try {
                decode(c, tp, p, out);
            } finally {
                records.release();
            }
            assertEquals(List.of("v0", "v1", "v4", "v5"), out.stream().map(ShareRecord::value).toList());
            assertEquals(Map.of(2L, RELEASE, 3L, RELEASE), pending(c).get(1, tp));
            RuntimeException deferred = (RuntimeException) field(c, "deferred").get(c);
            assertTrue(deferred instanceof RecordTooLargeException && deferred.getMessage().contains("t-0")
                    && deferred.getMessage().contains("offset 2") && deferred.getMessage().contains("skein.buffer.max.bytes"),
                    String.valueOf(deferred));
        } finally {
            pending(c).clear();
            field(c, "deferred").set(c, null);
            c.close(java.time.Duration.ofSeconds(5));
        }
    }

    /** Calls the private decode (as if broker 1 answered): the test compiles against the code before and after a fix. */
    private static void decode(ShareConsumer<?, ?> c, TopicPartition tp, ShareFetchResponse.PartitionData p,
                               List<?> out) throws Exception {
        Method m = SkeinShareConsumer.class.getDeclaredMethod("decode", int.class, TopicPartition.class,
                ShareFetchResponse.PartitionData.class, List.class);
        m.setAccessible(true);
        try {
            m.invoke(c, 1, tp, p, out); // as broker 1 answered
        } catch (InvocationTargetException e) {
            throw new AssertionError("decode threw out of poll(): " + e.getCause(), e.getCause());
        }
    }

    /** The acknowledgements pending (by the broker that delivered their records: broker 1 here). */
    private static ShareAcks pending(ShareConsumer<?, ?> c) throws Exception {
        return (ShareAcks) field(c, "pending").get(c);
    }

    private static Field field(Object o, String name) throws Exception {
        Field f = SkeinShareConsumer.class.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }
}
