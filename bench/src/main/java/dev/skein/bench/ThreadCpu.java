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
 * process's CPU time.
 */
final class ThreadCpu {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final long TICK_NANOS = 10_000_000L; // USER_HZ is 100 on every Linux this runs on

    private ThreadCpu() {}

    /** CPU nanoseconds per live thread id, with its kind. */
    static Map<Long, Map.Entry<String, Long>> sample() {
        Map<Long, Map.Entry<String, Long>> out = new HashMap<>();
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
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                out.put(Long.parseLong(task.getFileName().toString()),
                        Map.entry(kind(stat.substring(open + 1, close)), ticks * TICK_NANOS));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return out;
    }

    /** Milliseconds of CPU per kind from {@code before} until now, largest first, as a JSON object. */
    static String since(Map<Long, Map.Entry<String, Long>> before) {
        Map<String, Long> byKind = new TreeMap<>();
        sample().forEach((tid, now) -> {
            Map.Entry<String, Long> then = before.get(tid);
            long nanos = now.getValue() - (then == null ? 0 : then.getValue());
            byKind.merge(now.getKey(), nanos, Long::sum);
        });
        StringBuilder s = new StringBuilder("{");
        byKind.entrySet().stream()
                .filter(e -> e.getValue() > 0)
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
