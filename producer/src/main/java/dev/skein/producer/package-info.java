/**
 * The Skein producer: {@link dev.skein.producer.Producer} (built by
 * {@link dev.skein.producer.ProducerBuilder}) batches records per partition, sends them asynchronously
 * and completes a future (and an optional {@link dev.skein.producer.Callback}) per record; idempotent
 * by default, transactional with a {@code transactional.id}.
 */
package dev.skein.producer;
