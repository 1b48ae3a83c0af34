package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.core.Compression;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serdes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The polling thread's reading of fetched batches, with no broker ({@link DetachedPoll}): records in
 * offset order across batches and polls, a corrupt record after good ones; and which deserializers are
 * handed the cursor's copy rather than the buffer view.
 */
class FetchCollectorTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long T0 = 1_700_000_000_000L;

    @Test
    void recordsComeInOffsetOrderAcrossBatchesAndPollsAtMostMaxPollRecordsEach() {
        ByteBuf chunk = ALLOC.directBuffer();
        int[] sizes = {300, 450, 1, 249};
        long offset = 0;
        for (int n : sizes) {
            offset = appendBatch(chunk, offset, n);
        }
        ConsumerOptions settings = options().maxPollRecords(400).build();
        DetachedPoll<String, String> poll = DetachedPoll.of(settings, Serdes.string().deserializer(), Serdes.string().deserializer(),
                TP, chunk, 0);
        chunk.release();
        try {
            List<Long> offsets = new ArrayList<>();
            List<Integer> counts = new ArrayList<>();
            while (offsets.size() < 1000) {
                ConsumerRecords<String, String> records = poll.poll();
                counts.add(records.count());
                for (ConsumerRecord<String, String> r : records) {
                    assertEquals(value(r.offset()), r.value(), "the record at " + r.offset());
                    assertEquals(T0 + r.offset(), r.timestamp());
                    offsets.add(r.offset());
                }
            }
            assertEquals(List.of(400, 400, 200), counts, "records per poll");
            for (int i = 0; i < 1000; i++) {
                assertEquals(i, offsets.get(i), "the record returned " + i + "th");
            }
            assertEquals(1000, poll.position());
            assertEquals(0, poll.poll().iterator().next().offset(), "a used-up chunk is read again from its start");
        } finally {
            poll.close();
        }
    }

    @Test
    void aCorruptRecordAfterGoodOnesReturnsThemAndTheNextPollRaisesItWithThePositionOnIt() {
        ByteBuf chunk = ALLOC.directBuffer();
        // Records of 10-byte values with no key or headers and small deltas take 17 bytes each: the length,
        // then attributes, timestamp delta, offset delta, key length, value length, the value, header count.
        appendBatch(chunk, 0, 40);
        int headerCountOf25 = RecordBatch.HEADER_SIZE + 17 * 25 + 16;
        assertEquals(0, chunk.getByte(headerCountOf25));
        chunk.setByte(headerCountOf25, 0x7F); // zig-zag -64
        ConsumerOptions settings = options().checkCrcs(false).build(); // so the cursor meets the damage
        DetachedPoll<String, String> poll = DetachedPoll.of(settings, Serdes.string().deserializer(), Serdes.string().deserializer(),
                TP, chunk, 0);
        chunk.release();
        try {
            List<Long> offsets = new ArrayList<>();
            poll.poll().forEach(r -> offsets.add(r.offset()));
            assertEquals(25, offsets.size(), offsets.toString());
            assertEquals(24L, offsets.get(24));
            CorruptRecordException e = assertThrows(CorruptRecordException.class, poll::poll);
            assertTrue(e.getMessage().contains("header count -64"), e.getMessage());
            assertEquals(25, poll.position(), "the position stays on the corrupt record");
            e = assertThrows(CorruptRecordException.class, poll::poll, "fetched again, the record fails again");
            assertTrue(e.getMessage().contains("header count -64"), e.getMessage());
            assertEquals(25, poll.position());
        } finally {
            poll.close();
        }
    }

    @Test
    void thePositionTakesTheLeaderEpochOfAControlBatchItPasses() {
        ByteBuf chunk = ALLOC.directBuffer();
        appendBatch(chunk, 0, 3);
        chunk.setInt(12, 5); // partitionLeaderEpoch, outside the CRC
        int marker = chunk.writerIndex();
        RecordBatchBuilder commit = new RecordBatchBuilder(ALLOC, Compression.NONE, T0, 64).producer(9, (short) 0, 0, true)
                .control(true);
        commit.append(T0, new byte[] {0, 0, 0, 1}, new byte[] {0, 0, 0, 0, 0, 0}, null); // a commit marker
        ByteBuf batch = commit.build();
        batch.setLong(batch.readerIndex(), 3);
        chunk.writeBytes(batch);
        batch.release();
        chunk.setInt(marker + 12, 6);
        SubscriptionState subscriptions = new SubscriptionState();
        subscriptions.assign(List.of(TP));
        subscriptions.seek(TP, 0);
        FetchCollector<String, String> collector = collector(subscriptions, Serdes.string().deserializer(),
                new CompletedFetch(TP, 0, chunk, -1, -1, null));
        assertEquals(3, collector.collect().get(TP).size());
        collector.release();
        assertEquals(new OffsetAndMetadata(4, "", 6), subscriptions.positions().get(TP),
                "the position past the commit marker, with the marker's leader epoch");
    }

    /**
     * KIP-320, as Apache Kafka's consumer: records of a fetch answered while its position awaits
     * validation (a new leader epoch came meanwhile) are not returned; they may lie on a log the new
     * leader truncates. The position stays for the check, and is fetched again once it passed.
     */
    @Test
    void recordsOfAFetchAnsweredWhileItsPositionIsValidatedAreNotReturned() {
        ByteBuf chunk = ALLOC.directBuffer();
        appendBatch(chunk, 10, 5);
        SubscriptionState subscriptions = new SubscriptionState();
        subscriptions.assign(List.of(TP));
        subscriptions.seek(TP, 10, 4);
        assertTrue(subscriptions.startValidation(TP, 10));
        FetchCollector<String, String> collector = collector(subscriptions, Serdes.string().deserializer(),
                new CompletedFetch(TP, 10, chunk, -1, -1, null));
        assertEquals(java.util.Map.of(), collector.collect(), "nothing returned while the position is checked");
        assertEquals(10, subscriptions.position(TP));
        subscriptions.validated(TP, 10, 5, 10, 4);
        assertEquals(1, subscriptions.fetchable().size(), "the check passed: the partition is fetched again");
    }

    @Test
    void aHeldBackDeserializationErrorIsDroppedOnceTheUserSeeksAway() {
        ByteBuf chunk = ALLOC.directBuffer();
        appendBatch(chunk, 0, 10);
        Deserializer<String> picky = (data, ctx) -> {
            String v = new String(data, StandardCharsets.UTF_8);
            if (v.equals(value(5))) {
                throw new IllegalArgumentException("poison");
            }
            return v;
        };
        SubscriptionState subscriptions = new SubscriptionState();
        subscriptions.assign(List.of(TP));
        subscriptions.seek(TP, 0);
        FetchCollector<String, String> collector = collector(subscriptions, picky,
                new CompletedFetch(TP, 0, chunk, -1, -1, null));
        assertEquals(5, collector.collect().get(TP).size(), "offsets 0-4, the error of 5 held back");
        subscriptions.seek(TP, 0);
        collector.raiseDeferred(); // as the next poll() does first: the error was for offset 5, not 0
        collector.release();
    }

    /** A collector over {@code subscriptions} that reads {@code fetch}, then nothing. */
    private static FetchCollector<String, String> collector(SubscriptionState subscriptions, Deserializer<String> values,
                                                            CompletedFetch fetch) {
        CompletedFetch[] pending = {fetch};
        return new FetchCollector<>(options().build(), subscriptions, new FetchCollector.Source() {
            @Override
            public CompletedFetch nextCompleted() {
                CompletedFetch f = pending[0];
                pending[0] = null;
                return f;
            }

            @Override
            public void consumed(CompletedFetch f) {
                f.release();
            }
        }, Serdes.string().deserializer(), values, new ConsumerMetrics(null, "test"), ALLOC);
    }

    /**
     * A batch that does not frame (its magic byte 1) after two good ones: the good batches' records are
     * returned first, and the error is raised when the position reaches the bad batch, where it stays
     * (fetched again, the same error), as for a batch failing its CRC.
     */
    @Test
    void recordsBeforeABatchThatDoesNotFrameAreReturnedThenItsErrorWithThePositionOnIt() {
        ByteBuf chunk = ALLOC.directBuffer();
        long bad = appendBatch(chunk, appendBatch(chunk, 0, 10), 10);
        int badAt = chunk.writerIndex();
        appendBatch(chunk, bad, 10);
        chunk.setByte(badAt + RecordBatch.MAGIC_OFFSET, 1);
        DetachedPoll<String, String> poll = DetachedPoll.of(options().build(), Serdes.string().deserializer(),
                Serdes.string().deserializer(), TP, chunk, 0);
        chunk.release();
        try {
            List<Long> offsets = new ArrayList<>();
            poll.poll().forEach(r -> offsets.add(r.offset()));
            assertEquals(20, offsets.size(), offsets.toString());
            for (int i = 0; i < 2; i++) {
                CorruptRecordException e = assertThrows(CorruptRecordException.class, poll::poll);
                assertTrue(e.getMessage().contains("t-0") && e.getMessage().contains("offset 20")
                        && e.getMessage().contains("magic 1"), e.getMessage());
                assertEquals(20, poll.position(), "the position stays on the batch that does not frame");
            }
        } finally {
            poll.close();
        }
    }

    /**
     * A zstd batch of 64 KiB of zeros (a few hundred bytes compressed) read with skein.buffer.max.bytes at
     * 16 KiB: too large, not corrupt, named by topic, partition, offset, bound and setting; the position
     * stays on it; with a larger bound every record is read.
     */
    @Test
    void aBatchDecompressingPastTheBufferBoundIsTooLargeNotCorrupt() {
        ByteBuf chunk = ALLOC.directBuffer();
        long next = appendBatch(chunk, 0, 5);
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, Compression.ZSTD, T0, 1024);
        for (int i = 0; i < 16; i++) {
            b.append(T0, null, new byte[4096], null);
        }
        ByteBuf big = b.build();
        big.setLong(big.readerIndex(), next);
        assertTrue(big.readableBytes() < 2048, big.readableBytes() + " bytes compressed");
        chunk.writeBytes(big);
        big.release();
        for (long bound : new long[] {16 * 1024, 1 << 20}) {
            DetachedPoll<String, String> poll = DetachedPoll.of(options().bufferMaxBytes(bound).build(),
                    Serdes.string().deserializer(), Serdes.string().deserializer(), TP, chunk, 0);
            try {
                List<Long> offsets = new ArrayList<>();
                poll.poll().forEach(r -> offsets.add(r.offset()));
                if (bound > 1 << 16) {
                    assertEquals(21, offsets.size(), "within the larger bound every record is read: " + offsets);
                    continue;
                }
                assertEquals(5, offsets.size(), offsets.toString());
                RecordTooLargeException e = assertThrows(RecordTooLargeException.class, poll::poll);
                assertFalse(e.getCause() instanceof CorruptRecordException, "not corruption, however wrapped");
                assertTrue(e.getMessage().contains("t-0") && e.getMessage().contains("offset 5")
                        && e.getMessage().contains("16384") && e.getMessage().contains("skein.buffer.max.bytes"), e.getMessage());
                assertEquals(5, poll.position(), "the position stays on the batch");
                assertThrows(RecordTooLargeException.class, poll::poll, "fetched again, the same error");
            } finally {
                poll.close();
            }
        }
        chunk.release();
    }

    private static ConsumerOptions.Builder options() {
        return ConsumerOptions.builder().bootstrapServers("detached:9092").delivery(Delivery.MANUAL);
    }

    /** Appends a batch of {@code n} records at {@code offset}, each valued {@link #value}; returns the next offset. */
    private static long appendBatch(ByteBuf chunk, long offset, int n) {
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, Compression.NONE, T0 + offset, 1024);
        for (int i = 0; i < n; i++) {
            b.append(T0 + offset + i, null, value(offset + i).getBytes(StandardCharsets.UTF_8), null);
        }
        ByteBuf batch = b.build();
        batch.setLong(batch.readerIndex(), offset); // base offset
        chunk.writeBytes(batch);
        batch.release();
        return offset + n;
    }

    /** The value of the record at {@code offset}: 10 bytes. */
    private static String value(long offset) {
        return String.format("v%09d", offset);
    }

    @Test
    void deserializersKeepingTheDefaultForBuffersReadArrays() {
        assertTrue(FetchCollector.readsArrays(Serdes.bytes().deserializer()), "the built-in byte-array deserializer");
        Deserializer<String> lambda = (data, context) -> data == null ? null : new String(data);
        assertTrue(FetchCollector.readsArrays(lambda), "a lambda, which can only implement the array method");
        assertTrue(FetchCollector.readsArrays(new Deserializer<Integer>() {
            @Override
            public Integer deserialize(byte[] data, SerdeContext context) {
                return data == null ? null : data.length;
            }
        }), "an anonymous class of the array method alone");
    }

    @Test
    void deserializersOfBuffersKeepTheView() {
        assertFalse(FetchCollector.readsArrays(Serdes.string().deserializer()), "the built-in string deserializer decodes in place");
        assertFalse(FetchCollector.readsArrays(new Lengths()), "a class that reads buffers itself");
        assertFalse(FetchCollector.readsArrays(new Lengths() {}), "a subclass inheriting that");
    }

    /** Reads buffers itself. */
    private static class Lengths implements Deserializer<Integer> {
        @Override
        public Integer deserialize(byte[] data, SerdeContext context) {
            return data == null ? null : data.length;
        }

        @Override
        public Integer deserialize(ByteBuffer data, SerdeContext context) {
            return data == null ? null : data.remaining();
        }
    }
}
