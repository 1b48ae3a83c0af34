package dev.skein.bench.jmh;

import dev.skein.core.Compression;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.core.internal.records.RecordBatchReader;
import dev.skein.core.internal.records.RecordCursor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The consumer's decode loop with no network: a fetched chunk of 10,000 records in uncompressed
 * batches (up to 64 KiB each, as the producers write them) in one pooled direct buffer, walked record by record as the polling
 * thread does: each record's offset, timestamp and value, and (in {@code copyValue}) the value copied
 * out into a new {@code byte[]}, as the byte-array deserializer must. The score is nanoseconds per
 * record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RecordDecodeBenchmark {
    /** Records per invocation: the score is per record. */
    private static final int RECORDS = 10_000;

    @Param({"100", "1024"})
    int valueSize;

    private ByteBuf chunk;
    private List<RecordBatch> batches;

    @Setup(Level.Trial)
    public void setUp() {
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        Random random = new Random(42);
        byte[] value = new byte[valueSize];
        chunk = alloc.directBuffer(RECORDS * (valueSize + 16));
        long offset = 0;
        while (offset < RECORDS) {
            RecordBatchBuilder b = new RecordBatchBuilder(alloc, Compression.NONE, 1_700_000_000_000L, 64 << 10);
            while (offset + b.count() < RECORDS && b.uncompressedSize() + valueSize + 16 < 64 << 10) {
                random.nextBytes(value);
                b.append(1_700_000_000_000L + b.count(), null, value, null);
            }
            ByteBuf batch = b.build();
            batch.setLong(batch.readerIndex(), offset); // base offset
            offset += b.count();
            chunk.writeBytes(batch);
            batch.release();
        }
        batches = RecordBatchReader.batches(chunk, "bench", 0, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        chunk.release();
    }

    /** Offsets, timestamps and value lengths: the cursor alone. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long walk() {
        long sum = 0;
        for (RecordBatch batch : batches) {
            try (RecordCursor r = batch.cursor(PooledByteBufAllocator.DEFAULT, Integer.MAX_VALUE)) {
                while (r.next()) {
                    sum += r.offset() + r.timestamp() + r.value().remaining();
                }
            }
        }
        return sum;
    }

    /** As {@link #walk}, and each value copied into a new array (the byte-array deserializer's work). */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void copyValue(Blackhole bh) {
        copyEveryValue(batches, bh);
    }

    /** As {@link #copyValue}, the value copied by the cursor from the buffer's address. */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void copyValueAtAddress(Blackhole bh) {
        for (RecordBatch batch : batches) {
            try (RecordCursor r = batch.cursor(PooledByteBufAllocator.DEFAULT, Integer.MAX_VALUE)) {
                while (r.next()) {
                    bh.consume(r.offset() + r.timestamp());
                    bh.consume(r.copyValue());
                }
            }
        }
    }

    /** Walks every record of {@code batches}, each value copied into a new array (also {@link CompressedDecodeBenchmark}'s). */
    static void copyEveryValue(List<RecordBatch> batches, Blackhole bh) {
        for (RecordBatch batch : batches) {
            try (RecordCursor r = batch.cursor(PooledByteBufAllocator.DEFAULT, Integer.MAX_VALUE)) {
                while (r.next()) {
                    ByteBuffer v = r.value();
                    byte[] copy = new byte[v.remaining()];
                    v.get(v.position(), copy);
                    bh.consume(r.offset() + r.timestamp());
                    bh.consume(copy);
                }
            }
        }
    }
}
