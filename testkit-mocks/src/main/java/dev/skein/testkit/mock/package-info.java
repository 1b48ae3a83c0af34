/**
 * Test doubles of the public client interfaces, for unit tests of code that takes a
 * {@link dev.skein.producer.Producer} or a {@link dev.skein.consumer.Consumer}: {@link MockProducer}
 * records what is sent and completes its futures when the test says so; {@link MockConsumer} hands out
 * the records a test adds, simulates rebalances and records commits. Both follow the real clients'
 * contracts where a test would notice (the same exception types for calls out of order, on a closed
 * client, on partitions not assigned) and document where they differ. Code that talks to a broker is
 * still tested against a real one: see {@code dev.skein.testkit}.
 */
package dev.skein.testkit.mock;
