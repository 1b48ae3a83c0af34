package dev.skein.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs a main class in a fresh JVM (this JVM's {@code java}, this module's classpath, the JVM's
 * default options but for the heap, plus the system property {@code bench.childJvmArgs} split at spaces,
 * where {@code {n}} numbers the child) and hands back what it printed on stdout; its stderr passes
 * through. A fresh JVM per measurement keeps one client's JIT, GC and threads out of the other's numbers.
 *
 * <p>The heap is fixed and touched at start ({@code -Xms} = {@code -Xmx} = {@code bench.heap}, default
 * {@value #HEAP}, with {@code -XX:+AlwaysPreTouch}; {@code -Dbench.heap=default} leaves the JVM's own
 * sizing). With the JVM's default sizing, how much of a measurement's allocation lands on memory the
 * process never touched before depended on how large G1 happened to grow the young generation: the
 * kernel's page faults for that memory (a few microseconds per 4 KiB page, charged to the allocating
 * thread) doubled some measurements of either client and not others of the same cell.
 */
final class ChildJvm {
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final String HEAP = "4g";

    private ChildJvm() {}

    /**
     * @return the child's stdout lines, once it has exited with status 0
     * @throws IllegalStateException when it exits otherwise or outlives {@code timeout} (it is then killed)
     */
    static List<String> run(Class<?> main, List<String> args, Duration timeout) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String heap = System.getProperty("bench.heap", HEAP).trim();
        if (!heap.equals("default")) {
            command.addAll(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch"));
        }
        String extra = System.getProperty("bench.childJvmArgs", "").trim();
        if (!extra.isEmpty()) { // e.g. a flight recording per child: -XX:StartFlightRecording=filename=/tmp/run-{n}.jfr
            int n = RUNS.incrementAndGet();
            for (String a : extra.split("\\s+")) {
                command.add(a.replace("{n}", Integer.toString(n)));
            }
        }
        command.addAll(List.of("-cp", classpath(), main.getName()));
        command.addAll(args);
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> out = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(out::add);
            } catch (IOException | UncheckedIOException e) {
                // the child died mid-line; its exit status says so
            }
        }, "child-stdout");
        reader.start();
        if (!child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            child.destroyForcibly().waitFor();
            throw new IllegalStateException(main.getSimpleName() + " " + args + " did not finish in " + timeout);
        }
        reader.join();
        if (child.exitValue() != 0) {
            throw new IllegalStateException(main.getSimpleName() + " " + args + " exited with " + child.exitValue());
        }
        return out;
    }

    /**
     * Runs {@code main} as {@link #run} does and hands back the last line it printed that starts with
     * {@code {}: the measurement's JSON line.
     *
     * @throws IllegalStateException as {@link #run} does, or when the child printed no such line
     */
    static String json(Class<?> main, List<String> args, Duration timeout) throws IOException, InterruptedException {
        List<String> out = run(main, args, timeout);
        return out.stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException(main.getSimpleName() + " " + args + " printed no result: " + out));
    }

    /**
     * Called first by a child's main: a child whose parent has gone (its end of the child's stdin
     * closed) halts at once rather than go on loading the broker.
     */
    static void exitWithParent() {
        Thread watch = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; only the end of the stream matters
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone just the same
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /**
     * This module's classpath. Under {@code exec:java} the classes come from a class loader of the
     * plugin's and {@code java.class.path} is Maven's own, so the loader's URLs are the classpath.
     */
    private static String classpath() {
        if (ChildJvm.class.getClassLoader() instanceof URLClassLoader loader && loader.getURLs().length > 0) {
            return Stream.of(loader.getURLs()).map(ChildJvm::path).collect(Collectors.joining(File.pathSeparator));
        }
        return System.getProperty("java.class.path");
    }

    private static String path(URL url) {
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(url.toString(), e);
        }
    }
}
