package dev.skein.bench.jmh;

import dev.skein.core.Compression;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.internal.SendPath;
import dev.skein.serdes.Serdes;
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
 * The producer's send path on the caller's thread, with no network: serialize, partition (sticky,
 * keyless; or murmur2 of a key), append into pooled batches of 64 KiB over 6 partitions. Full batches
 * are freed every 1,000 records, as a sender would once they are acknowledged. The bar (issue #18):
 * 5 M records/s on one thread at 100-byte values.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SendPathBenchmark {
    private static final int BATCH = 1_000;

    @Param({"100", "1024"})
    int valueSize;

    @Param({"false", "true"})
    boolean keyed;

    private SendPath.Detached<byte[], byte[]> path;
    private byte[] value;
    private byte[][] keys;

    @Setup(Level.Trial)
    public void setUp() {
        path = SendPath.detached(Serdes.bytes().serializer(), Serdes.bytes().serializer(), "bench", 6, 64 * 1024, Compression.NONE);
        value = new byte[valueSize];
        keys = new byte[1024][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ("key-" + i).getBytes();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        path.close();
    }

    /** One operation is one record; 1,000 per invocation, then the full batches are freed. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int send() {
        for (int i = 0; i < BATCH; i++) {
            path.send(keyed ? ProducerRecord.of("bench", keys[i & 1023], value) : ProducerRecord.of("bench", value));
        }
        return path.releaseFull();
    }
}
