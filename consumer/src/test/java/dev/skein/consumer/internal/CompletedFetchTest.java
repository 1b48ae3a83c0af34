package dev.skein.consumer.internal;

import dev.skein.consumer.IsolationLevel;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.core.internal.records.RecordCursor;
import dev.skein.core.message.FetchResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletedFetchTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    /** A batch of {@code n} records starting at {@code base}, values "v<offset>". */
    private static ByteBuf batch(long base, int n, long producerId, boolean transactional, boolean control) {
        RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, Compression.NONE, 0L, 256)
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
            out.add(new String(r.valueBytes(), StandardCharsets.UTF_8));
            position = r.offset() + 1;
        }
        return out;
    }

    @Test
    void recordsBeforeACorruptBatchAreDeliveredThenTheErrorNamesItsOffset() {
        ByteBuf good = batch(0, 3, -1, false, false);
        ByteBuf bad = batch(3, 2, -1, false, false);
        bad.setByte(bad.writerIndex() - 1, bad.getByte(bad.writerIndex() - 1) ^ 0x7f);
        CompletedFetch f = new CompletedFetch(TP, 0, Unpooled.wrappedBuffer(good, bad), 5, 5, List.of());
        List<String> out = new ArrayList<>();
        long[] skip = {0};
        long position = 0;
        CorruptRecordException e = null;
        try {
            for (RecordCursor r; (r = f.next(position, IsolationLevel.READ_UNCOMMITTED, true, PooledByteBufAllocator.DEFAULT,
                    1 << 20, skip)) != null; ) {
                out.add(new String(r.valueBytes(), StandardCharsets.UTF_8));
                position = r.offset() + 1;
            }
        } catch (CorruptRecordException x) {
            e = x;
        }
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
}
