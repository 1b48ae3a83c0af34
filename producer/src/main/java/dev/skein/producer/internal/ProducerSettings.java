package dev.skein.producer.internal;

import dev.skein.core.ClientOptions;
import dev.skein.core.Compression;
import dev.skein.producer.Acks;
import dev.skein.producer.Partitioner;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;

/** A producer's validated options; {@code transactionalId} is null for a producer without transactions. */
public record ProducerSettings(ClientOptions client, Acks acks, Duration linger, int batchSize, long bufferMemory,
                               Duration maxBlock, Duration deliveryTimeout, int retries, boolean idempotence,
                               int maxInFlight, Compression compression, Integer compressionLevel, int maxRequestSize,
                               Partitioner partitioner, MeterRegistry meterRegistry,
                               String transactionalId, Duration transactionTimeout) {}
