/**
 * The Skein consumer: fetching, consumer groups (classic and KIP-848), delivery modes and the
 * exactly-once processor.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.skein.consumer {
    requires transitive dev.skein.core;
    requires transitive dev.skein.serdes;
    // ExactlyOnceProcessor writes with a transactional producer and its builder takes producer types
    requires transitive dev.skein.producer;
    // MeterRegistry is taken by ConsumerBuilder.meterRegistry
    requires transitive micrometer.core;
    // ObservationRegistry is taken by the builders' observationRegistry
    requires transitive micrometer.observation;
    requires io.netty.common;
    requires org.slf4j;

    exports dev.skein.consumer;
}
