package dev.skein.samples;

import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Skein works as JPMS modules: a JVM with the Skein modules and their dependencies on the module path,
 * and only {@link ModulePathCheck} (with an SLF4J binding) on the class path, writes records with every
 * codec and reads them back in a group from a real broker. The module descriptors must name everything
 * the code needs at run time (a missing {@code requires} fails here, not only at compile time), and the
 * check prints the module names it ran from.
 */
@ExtendWith(KafkaClusterExtension.class)
class ModulePathIT {
    /** Skein's published modules (classes directories in a reactor build, jars otherwise; not test-jars). */
    private static final Pattern SKEIN_MODULE = Pattern.compile(
            ".*(/(client-core|serdes|producer|consumer|admin)/target/classes/?|/skein-(client-core|serdes|producer|consumer|admin)-[^/]*(?<!-tests)\\.jar)");
    /** Their run-time dependencies. */
    private static final Pattern DEPENDENCY = Pattern.compile(
            ".*/(netty-[a-z0-9-]+-4\\.[^/]*|lz4-java-[^/]*|snappy-java-[^/]*|zstd-jni-[^/]*|micrometer-(core|commons|observation)-[^/]*"
                    + "|HdrHistogram-[^/]*|LatencyUtils-[^/]*|slf4j-api-[^/]*|jspecify-[^/]*)\\.jar");
    private static final Pattern CLASS_PATH_ONLY = Pattern.compile(".*(/samples/target/test-classes/?|/slf4j-simple-[^/]*\\.jar)");

    @Test
    void producerConsumerAndAdminRunFromTheModulePath(KafkaCluster kafka) throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String unix = entry.replace(File.separatorChar, '/');
            if (SKEIN_MODULE.matcher(unix).matches() || DEPENDENCY.matcher(unix).matches()) {
                modulePath.add(entry);
            } else if (CLASS_PATH_ONLY.matcher(unix).matches()) {
                classPath.add(entry);
            }
        }
        assertEquals(5, modulePath.stream().filter(e -> SKEIN_MODULE.matcher(e.replace(File.separatorChar, '/')).matches())
                .count(), "the five Skein modules on the test class path: " + modulePath);

        Path log = Files.createTempFile("module-path-check", ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "dev.skein.consumer,dev.skein.admin",
                "-cp", String.join(File.pathSeparator, classPath),
                ModulePathCheck.class.getName(), kafka.bootstrapServers(), "20");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = p.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        assertTrue(exited, "the check did not finish in 120 s:\n" + output);
        assertEquals(0, p.exitValue(), "the check failed:\n" + output);
        assertTrue(output.contains("modules: dev.skein.producer dev.skein.consumer dev.skein.admin"), output);
        assertTrue(output.contains("sent 100 read 100 distinct"), output);
    }
}
