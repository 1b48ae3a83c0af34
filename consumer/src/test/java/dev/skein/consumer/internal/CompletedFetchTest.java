package dev.skein.consumer.internal;

import dev.skein.consumer.IsolationLevel;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.core.internal.records.RecordCursor;
import dev.skein.core.message.FetchResponse;
import dev.skein.testkit.Await;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletedFetchTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private static final EventLoop LOOP = new DefaultEventLoop();

    @AfterAll
    static void stopLoop() {
        LOOP.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A batch of {@code n} records starting at {@code base}, values "v<offset>". */
    private static ByteBuf batch(long base, int n, long producerId, boolean transactional, boolean control) {
        return batch(Compression.NONE, base, n, producerId, transactional, control);
    }

    private static ByteBuf batch(Compression codec, long base, int n, long producerId, boolean transactional,
                                 boolean control) {
        RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, codec, 0L, 256)
                .producer(producerId, (short) 0, 0, transactional).control(control);
        for (int i = 0; i < n; i++) {
            b.append(0L, null, ("v" + (base + i)).getBytes(StandardCharsets.UTF_8), null);
        }
        ByteBuf buf = b.build();
        buf.setLong(0, base); // the broker assigns the base offset
        RecordBatchBuilder.rewriteProducerState(buf, producerId, (short) 0, 0); // recompute the CRC
        return buf;
    }

    private static List<String> drain(CompletedFetch f, long position, IsolationLevel isolation) {
        List<String> out = new ArrayList<>();
        long[] skip = {position};
        for (RecordCursor r; (r = f.next(position, isolation, true, PooledByteBufAllocator.DEFAULT, 1 << 20, skip)) != null; ) {
            out.add(new String(r.copyValue(), StandardCharsets.UTF_8));
            position = r.offset() + 1;
        }
        return out;
    }

    /** Reads values from offset 0 into {@code out} until the fetch is used up (null) or a batch is corrupt (the error). */
    private static CorruptRecordException readUntilCorrupt(CompletedFetch f, List<String> out) {
        long[] skip = {0};
        long position = 0;
        try {
            for (RecordCursor r; (r = f.next(position, IsolationLevel.READ_UNCOMMITTED, true, PooledByteBufAllocator.DEFAULT,
                    1 << 20, skip)) != null; ) {
                out.add(new String(r.copyValue(), StandardCharsets.UTF_8));
                position = r.offset() + 1;
            }
            return null;
        } catch (CorruptRecordException e) {
            return e;
        }
    }

    @Test
    void recordsBeforeACorruptBatchAreDeliveredThenTheErrorNamesItsOffset() {
        ByteBuf good = batch(0, 3, -1, false, false);
        ByteBuf bad = batch(3, 2, -1, false, false);
        bad.setByte(bad.writerIndex() - 1, bad.getByte(bad.writerIndex() - 1) ^ 0x7f);
        CompletedFetch f = new CompletedFetch(TP, 0, Unpooled.wrappedBuffer(good, bad), 5, 5, List.of());
        List<String> out = new ArrayList<>();
        CorruptRecordException e = readUntilCorrupt(f, out);
        assertEquals(List.of("v0", "v1", "v2"), out);
        assertTrue(e != null && e.getMessage().contains("t-0") && e.getMessage().contains("offset 3"), String.valueOf(e));
        f.release();
    }

    @Test
    void controlBatchesAreHiddenAndRecordsBelowThePositionTrimmed() {
        CompletedFetch f = new CompletedFetch(TP, 1, Unpooled.wrappedBuffer(batch(0, 3, 7, true, false),
                batch(3, 1, 7, true, true), batch(4, 2, -1, false, false)), 6, 6, List.of());
        assertEquals(List.of("v1", "v2", "v4", "v5"), drain(f, 1, IsolationLevel.READ_UNCOMMITTED));
        f.release();
    }

    @Test
    void readCommittedSkipsAbortedTransactions() {
        // Producer 7 aborts offsets 0-2 (abort marker at 3); producer 8 commits 4-5 (marker at 6).
        ByteBuf all = Unpooled.wrappedBuffer(batch(0, 3, 7, true, false), batch(3, 1, 7, true, true),
                batch(4, 2, 8, true, false), batch(6, 1, 8, true, true), batch(7, 1, -1, false, false));
        List<FetchResponse.AbortedTransaction> aborted = List.of(new FetchResponse.AbortedTransaction()
                .setProducerId(7).setFirstOffset(0));
        CompletedFetch committed = new CompletedFetch(TP, 0, all.retainedDuplicate(), 8, 8, aborted);
        assertEquals(List.of("v4", "v5", "v7"), drain(committed, 0, IsolationLevel.READ_COMMITTED));
        committed.release();
        CompletedFetch uncommitted = new CompletedFetch(TP, 0, all, 8, 8, aborted);
        assertEquals(List.of("v0", "v1", "v2", "v4", "v5", "v7"), drain(uncommitted, 0, IsolationLevel.READ_UNCOMMITTED));
        uncommitted.release();
    }

    /** {@code batches} compressed batches of {@code per} records each, from offset 0, in one pooled buffer. */
    private static ByteBuf compressed(Compression codec, int batches, int per) {
        ByteBuf all = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (int i = 0; i < batches; i++) {
            ByteBuf b = batch(codec, (long) i * per, per, -1, false, false);
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    private static List<String> expected(long from, long to) {
        List<String> out = new ArrayList<>();
        for (long o = from; o < to; o++) {
            out.add("v" + o);
        }
        return out;
    }

    private static void await(BooleanSupplier condition, String what) {
        Await.until(what, Duration.ofSeconds(10), condition::getAsBoolean);
    }

    /** Hands {@code f} to the helper on its loop, as the fetcher does before the polling thread can see it. */
    private static void offer(DecompressAhead ahead, CompletedFetch f) throws Exception {
        LOOP.submit(() -> ahead.offer(f)).get(5, TimeUnit.SECONDS);
    }

    /** Releases {@code f}; then the helper lets go of {@code records} and no decompressed byte stays counted. */
    private static void releaseAndCheck(CompletedFetch f, ByteBuf records, DecompressAhead ahead) throws InterruptedException {
        f.release();
        await(() -> records.refCnt() == 0, "the helper's reference released");
        assertEquals(0, ahead.held(), "decompressed bytes still counted");
    }

    @Test
    void batchesDecompressedAheadArriveInOrderAndEveryBufferIsReleased() throws Exception {
        for (Compression codec : List.of(Compression.ZSTD, Compression.GZIP)) {
            // A limit of a few batches makes the helper stop and restart as the polling thread takes them.
            DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 4096);
            ByteBuf records = compressed(codec, 200, 50);
            CompletedFetch f = new CompletedFetch(TP, 0, records, 10_000, 10_000, List.of(), ahead);
            assertTrue(f.decompressesAhead());
            offer(ahead, f);
            assertEquals(expected(0, 10_000), drain(f, 0, IsolationLevel.READ_UNCOMMITTED), codec.toString());
            f.release();
            await(() -> records.refCnt() == 0, codec + ": the helper's reference released");
            assertEquals(0, ahead.held(), codec + ": decompressed bytes still counted");
        }
    }

    @Test
    void aFetchReleasedMidwayDropsWhatWasDecompressedAhead() throws Exception {
        DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 1 << 20);
        ByteBuf records = compressed(Compression.ZSTD, 100, 50);
        CompletedFetch f = new CompletedFetch(TP, 0, records, 5_000, 5_000, List.of(), ahead);
        offer(ahead, f);
        long[] skip = {0};
        for (int i = 0; i < 120; i++) { // into the third batch
            assertEquals("v" + i, new String(f.next(i, IsolationLevel.READ_UNCOMMITTED, true, PooledByteBufAllocator.DEFAULT,
                    1 << 20, skip).copyValue(), StandardCharsets.UTF_8));
        }
        await(() -> ahead.held() > 0, "a batch decompressed ahead");
        f.release(); // a seek or a revocation, say
        await(() -> records.refCnt() == 0, "the helper's reference released");
        assertEquals(0, ahead.held());
    }

    /** Records 0-2 in a good zstd batch, then 3-4 in one {@code spoil} changes (its CRC recomputed: only the change fails). */
    private static ByteBuf spoiled(java.util.function.Consumer<ByteBuf> spoil) {
        ByteBuf good = batch(Compression.ZSTD, 0, 3, -1, false, false);
        ByteBuf bad = batch(Compression.ZSTD, 3, 2, -1, false, false);
        spoil.accept(bad);
        RecordBatchBuilder.rewriteProducerState(bad, -1, (short) 0, 0);
        return Unpooled.wrappedBuffer(good, bad);
    }

    @Test
    void aBatchThatDoesNotDecompressIsRaisedInOrderOnThePollingThread() throws Exception {
        DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 1 << 20);
        ByteBuf records = spoiled(bad -> {
            for (int i = 61; i < bad.writerIndex(); i++) {
                bad.setByte(i, 0x55); // the compressed records, garbled
            }
        });
        CompletedFetch f = new CompletedFetch(TP, 0, records, 5, 5, List.of(), ahead);
        offer(ahead, f);
        await(() -> records.refCnt() == 1, "the helper done with both batches");
        List<String> out = new ArrayList<>();
        CorruptRecordException e = readUntilCorrupt(f, out);
        assertEquals(List.of("v0", "v1", "v2"), out);
        assertTrue(e != null && e.getMessage().contains("t-0") && e.getMessage().contains("offset 3"), String.valueOf(e));
        assertTrue(Arrays.stream(e.getStackTrace()).anyMatch(el -> el.getMethodName().equals("open")),
                "raised where the polling thread opens the batch, not rethrown from the helper");
        CorruptRecordException again = assertThrows(CorruptRecordException.class, () -> f.next(3,
                IsolationLevel.READ_UNCOMMITTED, true, PooledByteBufAllocator.DEFAULT, 1 << 20, new long[] {3}));
        assertTrue(again.getMessage().contains("offset 3"), again.getMessage());
        f.release();
        assertEquals(0, records.refCnt());
        assertEquals(0, ahead.held());
    }

    @Test
    void aBatchOfAnUnknownCodecIsRaisedInOrderOnThePollingThread() throws Exception {
        DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 1 << 20);
        // Codec id 7 in the attributes: none Kafka defines.
        ByteBuf records = spoiled(bad -> bad.setShort(21, bad.getShort(21) | RecordBatch.COMPRESSION_MASK));
        CompletedFetch f = new CompletedFetch(TP, 0, records, 5, 5, List.of(), ahead); // must not throw here
        offer(ahead, f);
        List<String> out = new ArrayList<>();
        CorruptRecordException e = readUntilCorrupt(f, out);
        assertEquals(List.of("v0", "v1", "v2"), out);
        assertTrue(e != null && e.getMessage().contains("t-0") && e.getMessage().contains("offset 3")
                && e.getMessage().contains("codec"), String.valueOf(e));
        releaseAndCheck(f, records, ahead);
    }

    @Test
    void theHelperStopsAtItsLimitAndGoesOnWhenThePollingThreadTakes() throws Exception {
        DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 1);
        ByteBuf records = compressed(Compression.GZIP, 10, 50);
        CompletedFetch f = new CompletedFetch(TP, 0, records, 500, 500, List.of(), ahead);
        offer(ahead, f);
        await(() -> ahead.held() > 0, "the first batch decompressed ahead");
        long first = ahead.held();
        LOOP.submit(() -> { }).get(5, TimeUnit.SECONDS); // any step the helper queued has run
        LOOP.submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertEquals(first, ahead.held(), "one batch reaches the limit of 1 byte: the helper stops there");
        long[] skip = {0};
        for (int i = 0; i < 50; i++) { // the first batch, taken from the helper; the next is not opened yet
            assertEquals("v" + i, new String(f.next(i, IsolationLevel.READ_UNCOMMITTED, true, PooledByteBufAllocator.DEFAULT,
                    1 << 20, skip).copyValue(), StandardCharsets.UTF_8));
        }
        await(() -> ahead.held() > 0, "the second batch decompressed ahead once the first was taken");
        assertEquals(expected(50, 500), drain(f, 50, IsolationLevel.READ_UNCOMMITTED));
        releaseAndCheck(f, records, ahead);
    }

    @Test
    void anAbortedBatchDecompressedAheadIsLetGoWhenReadCommittedPassesOverIt() throws Exception {
        // A limit of 1 byte: the helper stops after the aborted batch until the polling thread lets it go.
        DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 1);
        ByteBuf records = Unpooled.wrappedBuffer(batch(Compression.ZSTD, 0, 50, 7, true, false),
                batch(50, 1, 7, true, true), batch(Compression.ZSTD, 51, 50, -1, false, false));
        List<FetchResponse.AbortedTransaction> aborted = List.of(new FetchResponse.AbortedTransaction()
                .setProducerId(7).setFirstOffset(0));
        CompletedFetch f = new CompletedFetch(TP, 0, records, 101, 101, aborted, ahead);
        offer(ahead, f);
        await(() -> ahead.held() > 0, "the aborted batch decompressed ahead");
        assertEquals(expected(51, 101), drain(f, 0, IsolationLevel.READ_COMMITTED));
        await(() -> ahead.held() == 0, "the passed-over batch's bytes let go before the fetch is released");
        f.release();
        await(() -> records.refCnt() == 0, "the helper's reference released");
    }

    @Test
    void uncompressedFetchesAndFastCodecsAreNotDecompressedAhead() {
        DecompressAhead ahead = new DecompressAhead(LOOP, PooledByteBufAllocator.DEFAULT, 1 << 20, 1 << 20);
        for (Compression codec : List.of(Compression.NONE, Compression.LZ4, Compression.SNAPPY)) {
            CompletedFetch f = new CompletedFetch(TP, 0, Unpooled.wrappedBuffer(batch(codec, 0, 3, -1, false, false)), 3, 3,
                    List.of(), ahead);
            assertFalse(f.decompressesAhead(), codec.toString());
            assertEquals(List.of("v0", "v1", "v2"), drain(f, 0, IsolationLevel.READ_UNCOMMITTED), codec.toString());
            f.release();
        }
    }
}
