package dev.skein.compat;

import dev.skein.testkit.MetadataMode;

/** One column of the matrix: an Apache Kafka release in one metadata mode. */
record Target(String release, MetadataMode mode) {

    /** How {@code -Dskein.compat.releases} names it: {@code 3.9.1-zk}, {@code 3.9.1-kraft}, or just {@code 4.0.2}. */
    String label() {
        if (major() >= 4) {
            return release;
        }
        return release + (mode == MetadataMode.ZOOKEEPER ? "-zk" : "-kraft");
    }

    /** The column heading of the table. */
    String column() {
        if (major() >= 4) {
            return release;
        }
        return release + (mode == MetadataMode.ZOOKEEPER ? " ZK" : " KRaft");
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
