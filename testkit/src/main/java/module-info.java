/**
 * Real Apache Kafka clusters for tests (KRaft or ZooKeeper brokers in child JVMs, on free ports of
 * 127.0.0.1), the fault proxy, the delivery checker, a Schema Registry stub and waiting helpers. The
 * brokers run from their own class path, never from this module's.
 */
module dev.skein.testkit {
    // KafkaClusterExtension is a JUnit extension; FaultProxy and AllocatorWatch take Netty buffers
    requires transitive org.junit.jupiter.api;
    requires transitive io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.codec;
    requires jdk.httpserver;

    exports dev.skein.testkit;
}
