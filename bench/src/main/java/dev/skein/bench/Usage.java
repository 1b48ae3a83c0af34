package dev.skein.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * This process's wall clock, CPU time (all its threads: the client's, the JIT's, the GC's), heap
 * allocation and the JIT compilers' time (milliseconds the compiler threads spent compiling, from
 * {@code CompilationMXBean}; -1 where the JVM does not tell): a sample, or the difference between a
 * sample and now. A sample holds each thread's CPU time ({@code threads}); a difference holds instead
 * the CPU milliseconds by kind of thread ({@link ThreadCpu}) as a JSON object ({@code threadCpuJson}).
 */
record Usage(long wallNanos, long cpuNanos, long allocatedBytes, long compileMillis,
             Map<Long, ThreadCpu.Times> threads, String threadCpuJson) {

    /**
     * Warm-up stretches in a row in which the JIT must have settled. One was not enough: the JIT
     * compiles in bursts, as code that runs once per request or fetch crosses C2's thresholds some
     * thousands of requests in, and a quiet stretch before such a burst ended warm-ups that then had
     * 200-450 ms of compiling in the measurement (stop 40; bench/README.md).
     */
    static final int SETTLED_IN_A_ROW = 2;

    /** A sample without the per-thread CPU times (warm-ups: {@link #elapsed()} then has none). */
    static Usage now() {
        return sample(Map.of());
    }

    /**
     * A sample with each thread's CPU time, for a measurement: taken only at a measurement's start, so
     * that reading {@code /proc} twice per JVM stays in the interpreter and never asks the JIT for work
     * that would land in the measurement.
     */
    static Usage nowWithThreads() {
        return sample(ThreadCpu.sample());
    }

    private static Usage sample(Map<Long, ThreadCpu.Times> threads) {
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long allocated = ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long compiled = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
        return new Usage(System.nanoTime(), cpu, allocated, compiled, threads, null);
    }

    /** What passed from this sample until now. */
    Usage elapsed() {
        Usage now = now();
        return new Usage(now.wallNanos - wallNanos, now.cpuNanos - cpuNanos, now.allocatedBytes - allocatedBytes,
                compileMillis < 0 || now.compileMillis < 0 ? -1 : now.compileMillis - compileMillis, Map.of(),
                threads.isEmpty() ? "{}" : ThreadCpu.since(threads));
    }

    /**
     * Whether the JIT had settled over this elapsed stretch: it compiled for less than 5% of the
     * stretch's wall time (or the JVM does not tell). A warm-up repeats until it has, {@link
     * #SETTLED_IN_A_ROW} stretches in a row.
     */
    boolean jitSettled() {
        return compileMillis < 0 || compileMillis * 1e6 < 0.05 * wallNanos;
    }

    double seconds() {
        return wallNanos / 1e9;
    }

    double cpuSeconds() {
        return cpuNanos / 1e9;
    }
}
