package dev.skein.compat;

import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.MetadataMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Every case of {@link Cases} against each release of the matrix, one broker per release (started for
 * its cases, stopped after them). Each case passes, or is skipped with the reason the table shows
 * ("needs Kafka 4.0 (KIP-848)"). At the end the table is written to {@code target/compatibility.md};
 * when the whole matrix ran, it must equal the table in README.md (run with
 * {@code -Dskein.compat.updateReadme=true} to write it there).
 *
 * <p>{@code -Dskein.compat.releases=3.9.1-zk,4.3.0} runs part of the matrix (labels as {@link Target#label()}).
 */
class CompatibilityIT {
    /** The floor is 3.0.2, the oldest release of the 3.x line (it runs on Java 17); KRaft from 3.3. */
    static final List<Target> MATRIX = List.of(
            new Target("3.0.2", MetadataMode.ZOOKEEPER),
            new Target("3.3.2", MetadataMode.KRAFT),
            new Target("3.6.2", MetadataMode.ZOOKEEPER),
            new Target("3.6.2", MetadataMode.KRAFT),
            new Target("3.9.1", MetadataMode.ZOOKEEPER),
            new Target("3.9.1", MetadataMode.KRAFT),
            new Target("4.0.2", MetadataMode.KRAFT),
            new Target("4.1.2", MetadataMode.KRAFT),
            new Target("4.2.2", MetadataMode.KRAFT),
            new Target(KafkaCluster.BUILT_IN_RELEASE, MetadataMode.KRAFT),
            // A 4.x cluster upgraded from 3.x: its features stay at 3.x levels until an operator finalizes
            // newer ones, so the client must go by the finalized features, not by ApiVersions or the release.
            new Target(KafkaCluster.BUILT_IN_RELEASE, MetadataMode.KRAFT,
                    Map.of("group.version", 0, "transaction.version", 0)),
            new Target("4.4.0", MetadataMode.KRAFT));
    private static final Duration CASE_TIMEOUT = Duration.ofMinutes(3);
    private static final String TABLE_START = "<!-- compatibility table: written by compat/CompatibilityIT -->";
    private static final String TABLE_END = "<!-- end of compatibility table -->";

    private static final Map<Target, Map<String, String>> cells = new LinkedHashMap<>();
    private static final List<Target> ran = new ArrayList<>();
    private static final List<Release> open = new ArrayList<>();

    @TestFactory
    Stream<DynamicContainer> matrix() {
        return selected().stream().map(t -> {
            Release release = new Release(t);
            ran.add(t);
            Stream<DynamicTest> cases = Cases.ALL.stream().map(c -> dynamicTest(c.row(), () -> release.run(c)));
            return dynamicContainer(t.toString(), Stream.concat(cases, Stream.of(
                    dynamicTest("ApiVersions agree with the first releases the client quotes",
                            () -> Cases.apiTableAgrees(release.env())),
                    dynamicTest("Kafka 4.4's TxnOffsetCommit v6 and ApiVersions v5 negotiated with 4.4 only",
                            () -> Cases.protocol44Negotiated(release.env())),
                    dynamicTest("stop the broker", release::close))));
        });
    }

    private static List<Target> selected() {
        String only = System.getProperty("skein.compat.releases", "").trim();
        if (only.isEmpty()) {
            return MATRIX;
        }
        Set<String> labels = Arrays.stream(only.split(",")).map(String::trim).filter(l -> !l.isEmpty())
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        Set<String> valid = MATRIX.stream().map(Target::label).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        List<String> unknown = labels.stream().filter(l -> !valid.contains(l)).toList();
        if (!unknown.isEmpty()) {
            // A typo would otherwise run nothing and pass.
            throw new IllegalArgumentException("-Dskein.compat.releases names no target of the matrix: " + unknown
                    + "; valid labels: " + String.join(", ", valid));
        }
        return MATRIX.stream().filter(t -> labels.contains(t.label())).toList();
    }

    /** One release's broker, started at its first case. */
    private static final class Release {
        private final Target target;
        private Env env;
        private RuntimeException startFailure;

        Release(Target target) {
            this.target = target;
        }

        void run(Cases.Case c) throws Throwable {
            Map<String, String> row = cells.computeIfAbsent(target, t -> new LinkedHashMap<>());
            try {
                Env e = env();
                String note = assertTimeoutPreemptively(CASE_TIMEOUT, () -> c.body().run(e), c.row());
                row.put(c.row(), note == null ? "✓" : "✓ " + note);
            } catch (TestAbortedException skipped) {
                row.put(c.row(), skipped.getMessage().replace("Assumption failed: ", "— "));
                throw skipped;
            } catch (Throwable failed) {
                row.put(c.row(), "FAILED");
                throw failed;
            }
        }

        private Env env() {
            if (startFailure != null) {
                throw startFailure;
            }
            if (env == null) {
                try {
                    env = new Env(target);
                    open.add(this);
                } catch (RuntimeException e) {
                    startFailure = e;
                    throw e;
                }
            }
            return env;
        }

        void close() {
            if (env != null) {
                env.close();
                env = null;
                open.remove(this);
            }
        }
    }

    @AfterAll
    static void writeTable() throws IOException {
        new ArrayList<>(open).forEach(Release::close);
        String table = table();
        Path out = Path.of("target", "compatibility.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println("Compatibility (also in " + out.toAbsolutePath() + "):\n" + table);
        if (!ran.equals(MATRIX)) {
            return; // part of the matrix: nothing to compare
        }
        Path readme = Path.of(System.getProperty("skein.compat.readme", "../README.md"));
        String text = Files.readString(readme);
        int start = text.indexOf(TABLE_START);
        int end = text.indexOf(TABLE_END);
        if (start < 0 || end < start) {
            throw new AssertionError(readme + " has no compatibility table between " + TABLE_START + " and " + TABLE_END);
        }
        String current = text.substring(start + TABLE_START.length(), end).strip() + "\n";
        if (Boolean.getBoolean("skein.compat.updateReadme")) {
            Files.writeString(readme, text.substring(0, start + TABLE_START.length()) + "\n" + table
                    + text.substring(end));
            return;
        }
        assertEquals(current, table, "README.md's compatibility table is not what the suite found; rerun with"
                + " -Dskein.compat.updateReadme=true to write it");
    }

    /** Rows are the cases, columns the releases in matrix order. */
    static String table() {
        List<Target> columns = MATRIX.stream().filter(cells::containsKey).toList();
        StringBuilder sb = new StringBuilder("| |");
        columns.forEach(t -> sb.append(' ').append(t.column()).append(" |"));
        sb.append("\n|---|");
        columns.forEach(t -> sb.append("---|"));
        sb.append('\n');
        for (Cases.Case c : Cases.ALL) {
            sb.append("| ").append(c.row()).append(" |");
            columns.forEach(t -> sb.append(' ').append(cells.get(t).getOrDefault(c.row(), "not run")).append(" |"));
            sb.append('\n');
        }
        return sb.toString();
    }
}
