package dev.skein.testkit;

/** Where a {@link KafkaCluster}'s metadata lives. */
public enum MetadataMode {
    /** Each node is broker and KRaft controller (Kafka 3.3 and newer; the only mode of Kafka 4). */
    KRAFT,
    /** Brokers with one ZooKeeper server, started as its own child JVM (Kafka 3.x only). */
    ZOOKEEPER
}
