package dev.skein.bench.jmh;

import dev.skein.bench.ProducerWorkload;
import dev.skein.core.internal.records.RecordBatchBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Both clients' batch writers on the same records, with no network and no accumulator: {@value #RECORDS}
 * keyless records of word-like text (as {@code ProducerComparison} sends) appended into batches of at
 * most 64 KiB before compression, each batch then built (compressed, its CRC computed) and dropped. The
 * score is nanoseconds per record on one thread; the difference between a codec and {@code none} is
 * what compressing costs each client per record.
 *
 * <ul>
 *   <li>{@code skein}: {@link RecordBatchBuilder} in pooled buffers, closed where its producer closes a
 *       batch ({@code tryAppend} at the batch size).</li>
 *   <li>{@code reference}: {@code MemoryRecordsBuilder} into a heap buffer of the batch size, closed
 *       where its producer closes one ({@code hasRoomFor}) with a compression estimate of 1.0, its
 *       starting value, so its batches hold the same records as Skein's.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CompressedEncodeBenchmark {
    /** Records per invocation: the score is per record. */
    private static final int RECORDS = 100_000;
    private static final int BATCH_SIZE = 64 << 10;
    private static final long T0 = 1_700_000_000_000L;

    @Param({"none", "lz4", "zstd"})
    String codec;

    @Param({"100"})
    int valueSize;

    private byte[][] values;
    private dev.skein.core.Compression skeinCodec;
    private Compression referenceCodec;

    @Setup
    public void setUp() {
        values = ProducerWorkload.values(valueSize);
        skeinCodec = dev.skein.core.Compression.valueOf(codec.toUpperCase(java.util.Locale.ROOT));
        referenceCodec = switch (codec) {
            case "lz4" -> Compression.lz4().build();
            case "zstd" -> Compression.zstd().build();
            default -> Compression.NONE;
        };
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void skein(Blackhole bh) {
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        int i = 0;
        while (i < RECORDS) {
            RecordBatchBuilder b = new RecordBatchBuilder(alloc, skeinCodec, T0, BATCH_SIZE);
            while (i < RECORDS && b.tryAppend(T0 + i, null, values[i % values.length], null, BATCH_SIZE)) {
                i++;
            }
            ByteBuf batch = b.build();
            bh.consume(batch.readableBytes());
            batch.release();
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void reference(Blackhole bh) {
        int i = 0;
        while (i < RECORDS) {
            MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(BATCH_SIZE), referenceCodec,
                    TimestampType.CREATE_TIME, 0L);
            b.setEstimatedCompressionRatio(1.0f);
            while (i < RECORDS) {
                byte[] value = values[i % values.length];
                if (b.numRecords() > 0 && !b.hasRoomFor(T0 + i, null, value, Record.EMPTY_HEADERS)) {
                    break;
                }
                b.append(T0 + i, null, value);
                i++;
            }
            bh.consume(b.build().sizeInBytes());
        }
    }
}
