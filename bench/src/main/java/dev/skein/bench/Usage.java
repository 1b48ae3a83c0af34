package dev.skein.bench;

import java.lang.management.ManagementFactory;

/**
 * This process's wall clock, CPU time (all its threads: the client's, the JIT's, the GC's) and heap
 * allocation: a sample, or the difference between a sample and now.
 */
record Usage(long wallNanos, long cpuNanos, long allocatedBytes) {

    static Usage now() {
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long allocated = ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
        return new Usage(System.nanoTime(), cpu, allocated);
    }

    /** What passed from this sample until now. */
    Usage elapsed() {
        Usage now = now();
        return new Usage(now.wallNanos - wallNanos, now.cpuNanos - cpuNanos, now.allocatedBytes - allocatedBytes);
    }

    double seconds() {
        return wallNanos / 1e9;
    }

    double cpuSeconds() {
        return cpuNanos / 1e9;
    }
}
