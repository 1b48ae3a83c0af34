/**
 * End-to-end comparisons with Apache Kafka's Java client, on one local broker in one run, so both
 * clients see the same machine, broker and data. Run with
 * {@code mvn -B install -DskipTests && mvn -B -pl bench exec:java} (optionally
 * {@code -Dexec.args="RECORDS RECORD_BYTES"}). Results go to stdout as one JSON line per client.
 * Nothing here runs in {@code mvn verify}: speed is measured, never asserted.
 */
package dev.skein.bench;
