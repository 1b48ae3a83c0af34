package dev.skein.bench.jmh;

import dev.skein.core.Compression;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.internal.SendPath;
import dev.skein.serdes.Serdes;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
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
 * What tracing costs the producer's send path (as {@link SendPathBenchmark}: keyless 100-byte values,
 * 6 partitions, 64 KiB batches, no network): {@code none}, no observation registry (the default);
 * {@code noop}, {@link ObservationRegistry#NOOP}; {@code handler}, a registry with one handler that
 * does nothing, so each record starts a "skein.send" observation and gets its headers copied (no
 * tracer: the propagation itself is the tracer's cost). Run with {@code -prof gc}: none and noop must
 * allocate the same bytes per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TracingOverheadBenchmark {
    private static final int BATCH = 1_000;

    @Param({"none", "noop", "handler"})
    String tracing;

    private SendPath.Detached<byte[], byte[]> path;
    private final byte[] value = new byte[100];

    @Setup(Level.Trial)
    public void setUp() {
        ObservationRegistry registry = switch (tracing) {
            case "none" -> null;
            case "noop" -> ObservationRegistry.NOOP;
            case "handler" -> {
                ObservationRegistry r = ObservationRegistry.create();
                r.observationConfig().observationHandler(new ObservationHandler<Observation.Context>() {
                    @Override
                    public boolean supportsContext(Observation.Context context) {
                        return true;
                    }
                });
                yield r;
            }
            default -> throw new IllegalArgumentException(tracing);
        };
        path = SendPath.detached(Serdes.bytes().serializer(), Serdes.bytes().serializer(), "bench", 6, 64 * 1024,
                Compression.NONE, registry);
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
            path.send(ProducerRecord.of("bench", value));
        }
        return path.releaseFull();
    }
}
