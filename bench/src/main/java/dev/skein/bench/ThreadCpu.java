package dev.skein.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this process's threads by kind, from {@code /proc/self/task/<tid>/stat} (Linux; empty
 * elsewhere): the JVM's own threads (JIT compilers, GC) by what they do, the others by name with digits
 * dropped, so {@code skein-io-3} and {@code skein-io-4} add up. Clock ticks (usually 10 ms) of user and
 * system time; threads that ended between two samples are lost, so the parts may not add up to the
 * process's CPU time. The system time alone, by the same kinds, goes under {@code "kernel"}: the socket
 * reads and writes (on loopback, the kernel's whole TCP path, the peer's receive included) and page
 * faults, which no client's code can make cheaper.
 */
final class ThreadCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final long TICK_NANOS = 10_000_000L; // USER_HZ is 100 on every Linux this runs on

    private ThreadCpu() {}

    /** One thread's kind, its CPU time (user and system) and the system part of it, in nanoseconds. */
    record Times(String kind, long nanos, long systemNanos) {}

    /** The CPU times of each live thread, by thread id. */
    static Map<Long, Times> sample() {
        Map<Long, Times> out = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return out;
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) {
                    continue; // the thread ended
                }
                // pid (comm) state ppid ... utime(14) stime(15): comm may hold spaces and parentheses
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String[] f = stat.substring(close + 2).split(" ");
                long user = Long.parseLong(f[11]);
                long system = Long.parseLong(f[12]);
                out.put(Long.parseLong(task.getFileName().toString()),
                        new Times(kind(stat.substring(open + 1, close)), (user + system) * TICK_NANOS, system * TICK_NANOS));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return out;
    }

    /**
     * Milliseconds of CPU per kind from {@code before} until now, largest first, as a JSON object, with
     * the system part of them as the object under {@code "kernel"} (when there was any).
     */
    static String since(Map<Long, Times> before) {
        Map<String, Long> byKind = new TreeMap<>();
        Map<String, Long> kernelByKind = new TreeMap<>();
        sample().forEach((tid, now) -> {
            Times then = before.get(tid);
            byKind.merge(now.kind(), now.nanos() - (then == null ? 0 : then.nanos()), Long::sum);
            kernelByKind.merge(now.kind(), now.systemNanos() - (then == null ? 0 : then.systemNanos()), Long::sum);
        });
        String kernel = millis(kernelByKind);
        String all = millis(byKind);
        return kernel.equals("{}") ? all : all.substring(0, all.length() - 1) + (all.length() > 2 ? "," : "") + "\"kernel\":" + kernel + "}";
    }

    private static String millis(Map<String, Long> byKind) {
        StringBuilder s = new StringBuilder("{");
        byKind.entrySet().stream()
                .filter(e -> e.getValue() >= 1_000_000)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> s.append(s.length() > 1 ? "," : "").append(String.format(Locale.ROOT, "\"%s\":%d",
                        e.getKey(), e.getValue() / 1_000_000)));
        return s.append('}').toString();
    }

    private static String kind(String comm) {
        if (comm.startsWith("C2 Compiler") || comm.startsWith("C1 Compiler")) {
            return "jit";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Thread")) {
            return "gc";
        }
        return comm.replaceAll("[0-9]+", "").replaceAll("[-_#]+$", "").replace('"', '\'');
    }
}
