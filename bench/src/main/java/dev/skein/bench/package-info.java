/**
 * End-to-end comparisons with Apache Kafka's Java client, on one local broker in one run, so both
 * clients see the same machine, broker and data: {@link dev.skein.bench.ProducerComparison} and
 * {@link dev.skein.bench.ConsumerComparison} (each measurement in a JVM of its own,
 * {@link dev.skein.bench.ProducerRun} and {@link dev.skein.bench.ConsumerRun}),
 * {@code RebalanceComparison}, {@link dev.skein.bench.ParallelComparison} (Skein's
 * {@code ParallelProcessor} against a plain poll loop when every record needs slow I/O), and
 * {@link dev.skein.bench.ShareComparison} (share-group members, KIP-932, against the
 * reference's). JMH benchmarks of single code paths live in {@code dev.skein.bench.jmh}. How to run
 * each, and the bars they are held to: bench/README.md. Nothing here runs in {@code mvn verify}:
 * speed is measured, never asserted.
 */
package dev.skein.bench;
