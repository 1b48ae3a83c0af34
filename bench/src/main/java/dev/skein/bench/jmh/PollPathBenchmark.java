package dev.skein.bench.jmh;

import dev.skein.bench.ProducerWorkload;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.internal.DetachedPoll;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.serdes.Serdes;
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

import java.util.concurrent.TimeUnit;

/**
 * The consumer's polling thread with no network: {@code Consumer.poll} as far as the records it returns
 * ({@link DetachedPoll}: the consumer's own fetch collector, positions, cursors and byte-array
 * deserializers over a fixed chunk of {@value #RECORDS} records in uncompressed batches of up to 64 KiB),
 * and the caller's loop over them reading each value's length, as {@code ConsumerComparison}'s reader
 * does. Beside {@link RecordDecodeBenchmark#copyValueAtAddress} (the cursor and the copy alone) it shows
 * what the rest of the path costs. The score is nanoseconds per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PollPathBenchmark {
    /** Records in the chunk. */
    private static final int RECORDS = 10_000;

    @Param({"100"})
    int valueSize;

    private DetachedPoll<byte[], byte[]> poll;

    @Setup(Level.Trial)
    public void setUp() {
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        byte[][] values = ProducerWorkload.values(valueSize);
        ByteBuf chunk = alloc.directBuffer(RECORDS * (valueSize + 32));
        long offset = 0;
        while (offset < RECORDS) {
            RecordBatchBuilder b = new RecordBatchBuilder(alloc, Compression.NONE, 1_700_000_000_000L, 64 << 10);
            while (offset + b.count() < RECORDS && b.uncompressedSize() + valueSize + 16 < 64 << 10) {
                b.append(1_700_000_000_000L + b.count(), null, values[(int) ((offset + b.count()) % values.length)], null);
            }
            ByteBuf batch = b.build();
            batch.setLong(batch.readerIndex(), offset); // base offset
            offset += b.count();
            chunk.writeBytes(batch);
            batch.release();
        }
        poll = DetachedPoll.of(Serdes.bytes().deserializer(), Serdes.bytes().deserializer(),
                new TopicPartition("bench", 0), chunk, 0);
        chunk.release();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        poll.close();
    }

    /** One poll of 500 records (the default max.poll.records; the chunk holds a whole number of polls), each value's length summed. */
    @Benchmark
    @OperationsPerInvocation(500)
    public long poll() {
        ConsumerRecords<byte[], byte[]> records = poll.poll();
        long sum = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            sum += r.value().length;
        }
        return sum;
    }
}
