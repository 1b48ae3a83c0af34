package dev.skein.bench.jmh;

import dev.skein.bench.ProducerWorkload;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
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
import java.util.concurrent.TimeUnit;

/**
 * Both clients' decode of the same compressed fetch data, with no network: {@value #RECORDS} records of
 * word-like text (as {@code ConsumerComparison} writes), in batches of about 64 KiB before compression
 * made by the reference's own batch writer (the reference producer's batches in that comparison average
 * 70 KiB decompressed, 21 KiB compressed in zstd), each decompressed and walked record by record with
 * the value copied into a new array.
 *
 * <ul>
 *   <li>{@code skein}: the batches in one pooled direct buffer (as Skein's frames arrive), each
 *       decompressed by {@link RecordBatch#cursor} and walked by its cursor.</li>
 *   <li>{@code reference}: the batches in one heap buffer (as the reference's network layer reads them),
 *       each read through {@code streamingIterator} with a caching buffer supplier, as its consumer
 *       does.</li>
 * </ul>
 * The score is nanoseconds per record, one thread. Skein decompresses ahead on another thread in the
 * real consumer; here both do all the work on one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CompressedDecodeBenchmark {
    /** Records per invocation: the score is per record. */
    private static final int RECORDS = 100_000;
    private static final int BATCH_SIZE = 64 << 10;

    @Param({"lz4", "zstd"})
    String codec;

    @Param({"100"})
    int valueSize;

    /**
     * The compression ratio the reference's batch writer estimates, which decides where it closes a batch:
     * 1.0, as it starts (178 batches of about 64 KiB before compression, 21 KiB in zstd, as in
     * {@code ConsumerComparison}); 0.05, as its estimate falls for this text (9 batches of about 1.2 MiB
     * before compression, 82 KiB in zstd). Each batch's builder is given {@value #BATCH_SIZE} bytes, as
     * the reference producer's accumulator gives it its batch size (before stop 47 it was given four
     * times that, which made batches of about 250 KiB and 3.8 MiB).
     */
    @Param({"1.0", "0.05"})
    float estimatedRatio;

    private ByteBuf direct;
    private List<RecordBatch> batches;
    private ByteBuffer heap;
    private final BufferSupplier supplier = BufferSupplier.create();

    @Setup(Level.Trial)
    public void setUp() {
        byte[][] values = ProducerWorkload.values(valueSize);
        Compression compression = "lz4".equals(codec) ? Compression.lz4().build() : Compression.zstd().build();
        ByteBuffer all = ByteBuffer.allocate(RECORDS * (valueSize + 64));
        long offset = 0;
        long now = 1_700_000_000_000L;
        while (offset < RECORDS) {
            MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(BATCH_SIZE), compression,
                    TimestampType.CREATE_TIME, offset);
            b.setEstimatedCompressionRatio(estimatedRatio);
            int n = 0;
            while (offset + n < RECORDS) {
                byte[] value = values[(int) ((offset + n) % values.length)];
                if (n > 0 && !b.hasRoomFor(now + n, null, value, Record.EMPTY_HEADERS)) {
                    break; // where the reference producer closes the batch
                }
                b.append(now + n, null, value);
                n++;
            }
            all.put(b.build().buffer());
            offset += n;
        }
        all.flip();
        heap = all;
        direct = PooledByteBufAllocator.DEFAULT.directBuffer(all.remaining());
        direct.writeBytes(all.duplicate());
        batches = RecordBatchReader.batches(direct, "bench", 0, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        direct.release();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void skein(Blackhole bh) {
        RecordDecodeBenchmark.copyEveryValue(batches, bh);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void reference(Blackhole bh) {
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(heap.duplicate()).batches()) {
            try (CloseableIterator<Record> it = batch.streamingIterator(supplier)) {
                while (it.hasNext()) {
                    Record r = it.next();
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
