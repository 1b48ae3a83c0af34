/** The Skein producer: batching, partitioners, acknowledgements, idempotence and transactions. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.skein.producer {
    requires transitive dev.skein.core;
    requires transitive dev.skein.serdes;
    // MeterRegistry is taken by ProducerBuilder.meterRegistry
    requires transitive micrometer.core;
    // ObservationRegistry is taken by ProducerBuilder.observationRegistry
    requires transitive micrometer.observation;
    requires io.netty.common;
    requires org.slf4j;

    exports dev.skein.producer;
    // SkeinProducer.sendOffsetsToTransaction with the topic ids the consumer read from (ExactlyOnceProcessor)
    exports dev.skein.producer.internal to dev.skein.consumer;
}
