package dev.skein.compat;

import dev.skein.testkit.MetadataMode;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One column of the matrix: an Apache Kafka release in one metadata mode, its KRaft storage formatted
 * with {@code features} (feature name to level; empty for the release's own defaults). A cluster
 * upgraded from 3.x runs 4.x brokers with features still at 3.x levels until an operator finalizes
 * newer ones, so its column has the release and those levels.
 */
record Target(String release, MetadataMode mode, Map<String, Integer> features) {

    Target(String release, MetadataMode mode) {
        this(release, mode, Map.of());
    }

    /**
     * How {@code -Dskein.compat.releases} names it: {@code 3.9.1-zk}, {@code 3.9.1-kraft}, just
     * {@code 4.0.2}, or {@code 4.3.0-upgraded} with features set.
     */
    String label() {
        String base = major() >= 4 ? release : release + (mode == MetadataMode.ZOOKEEPER ? "-zk" : "-kraft");
        return features.isEmpty() ? base : base + "-upgraded";
    }

    /** The column heading of the table: the release, its mode before 4.0, and the features set at format. */
    String column() {
        String base = major() >= 4 ? release : release + (mode == MetadataMode.ZOOKEEPER ? " ZK" : " KRaft");
        if (features.isEmpty()) {
            return base;
        }
        return base + " upgraded (" + new TreeMap<>(features).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }

    boolean atLeast(int major, int minor) {
        return major() > major || (major() == major && minor() >= minor);
    }

    private int major() {
        return Integer.parseInt(release.split("\\.")[0]);
    }

    private int minor() {
        return Integer.parseInt(release.split("\\.")[1]);
    }

    @Override
    public String toString() {
        return "Kafka " + column();
    }
}
