/**
 * Real Apache Kafka clusters for tests ({@link dev.skein.testkit.KafkaCluster}, KRaft or
 * ZooKeeper, child JVMs on free ports, with {@link dev.skein.testkit.FaultProxy} in front of brokers on
 * request), the JUnit 5 extension that injects them, and tools to judge what clients did:
 * {@link dev.skein.testkit.DeliveryChecker}, {@link dev.skein.testkit.Await} and
 * {@link dev.skein.testkit.AllocatorWatch}.
 */
package dev.skein.testkit;
