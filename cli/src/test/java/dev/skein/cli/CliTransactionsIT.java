package dev.skein.cli;

import dev.skein.core.errors.ProducerFencedException;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.skein.cli.CliClusterIT.ok;
import static dev.skein.cli.CliIT.skein;
import static dev.skein.cli.CliIT.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code skein transactions}: list, describe, producers, abort and fence, against open transactions of Skein's producer. */
@ExtendWith(KafkaClusterExtension.class)
class CliTransactionsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Producer<String, String> transactional(KafkaCluster kafka, String id) {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                .transactionalId(id).transactionTimeout(Duration.ofMinutes(1)).build();
    }

    /** The {@code producers} row of the producer with this id on {@code tp}, split in columns, or null. */
    private static String[] producerRow(KafkaCluster kafka, String tp, long producerId) {
        return ok(skein(kafka, "", "transactions", "producers", tp)).lines().stream().skip(1).map(l -> l.split("\\s+"))
                .filter(c -> c[2].equals(Long.toString(producerId))).findFirst().orElse(null);
    }

    /**
     * What a {@code read_committed} consume reads after a record written past the transaction: the record is
     * read only once the stable offset has moved past the transaction, so an open one makes this come back empty.
     */
    private static List<String> readCommitted(KafkaCluster kafka, String topic) {
        ok(skein(kafka, "after\n", "produce", "--topic", topic));
        return ok(skein(kafka, "", "consume", "--topic", topic, "--from-beginning", "--isolation", "read_committed",
                "--max-messages", "1", "--timeout-ms", "10000")).lines();
    }

    @Test
    void anOpenTransactionIsListedDescribedShownOnItsPartitionAndFenced(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        String id = "cli-txn-" + UUID.randomUUID();
        try (Producer<String, String> producer = transactional(kafka, id)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(ProducerRecord.of(t, "k", "open")).get(30, TimeUnit.SECONDS);

            String listed = Await.value(id + " listed", WAIT, () -> ok(skein(kafka, "", "transactions", "list")).lines()
                    .stream().filter(l -> l.startsWith(id + " ")).findFirst().orElse(null));
            String[] columns = listed.split("\\s+");
            assertEquals("Ongoing", columns[2], listed);
            long producerId = Long.parseLong(columns[1]);

            CliIT.Run described = ok(skein(kafka, "", "transactions", "describe", id));
            assertTrue(described.lines().get(0).matches("transaction " + id + "  state Ongoing  coordinator \\d+  producer-id "
                    + producerId + "  epoch \\d+  timeout-ms 60000  started \\S+Z"), described.out());
            assertEquals("  partitions " + t + ":0", described.lines().get(1));
            short epoch = Short.parseShort(described.lines().get(0).replaceAll(".*  epoch (\\d+) .*", "$1"));

            String[] row = producerRow(kafka, t + ":0", producerId);
            assertEquals(List.of(t, "0", Long.toString(producerId), Short.toString(epoch)), List.of(row).subList(0, 4));
            assertEquals("0", row[row.length - 1], "the open transaction started at offset 0");

            CliIT.Run fenced = ok(skein(kafka, "", "transactions", "fence", id));
            String[] f = fenced.out().trim().split("\\s+");
            assertEquals(id, f[0], fenced.out());
            assertEquals(Long.toString(producerId), f[1], "the same producer id");
            assertTrue(Short.parseShort(f[2]) > epoch, "a newer epoch: " + fenced.out());

            Throwable e = assertThrows(ExecutionException.class,
                    () -> producer.send(ProducerRecord.of(t, "k", "late")).get(30, TimeUnit.SECONDS)).getCause();
            assertInstanceOf(ProducerFencedException.class, e, e.toString());
            assertThrows(ProducerFencedException.class, producer::commitTransaction);
            Await.until("the fenced transaction ended: " + id + " Empty", WAIT, () -> ok(skein(kafka, "", "transactions",
                    "describe", id)).lines().get(0).contains("state Empty  "));
            assertEquals(List.of("after"), readCommitted(kafka, t), "the open transaction was aborted, none of it read");
        }

        String unknown = "cli-no-such-txn-" + UUID.randomUUID();
        CliIT.Run missing = skein(kafka, "", "transactions", "describe", id, unknown);
        assertEquals(1, missing.exit(), missing.err());
        assertTrue(missing.out().startsWith("transaction " + id + "  state Empty"), "the known id is still printed: "
                + missing.out());
        assertTrue(missing.err().startsWith("skein: ") && missing.err().contains(unknown), missing.err());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }

    @Test
    void aTransactionIsAbortedByTheOffsetItStartedAt(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        String id = "cli-abort-" + UUID.randomUUID();
        try (Producer<String, String> producer = transactional(kafka, id)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(ProducerRecord.of(t, "k", "hanging")).get(30, TimeUnit.SECONDS);
            long producerId = Long.parseLong(ok(skein(kafka, "", "transactions", "describe", id)).lines().get(0)
                    .replaceAll(".*  producer-id (\\d+) .*", "$1"));

            CliIT.Run beyond = skein(kafka, "", "transactions", "producers", t + ":0", t + ":3");
            assertEquals(2, beyond.exit(), "refused before asking for a leader it would wait for: " + beyond.err());
            assertEquals("skein: '" + t + ":3': topic " + t + " has partitions 0..0\n", beyond.err());
            assertEquals("", beyond.out());

            CliIT.Run wrong = skein(kafka, "", "transactions", "abort", t + ":0", "--start-offset", "5");
            assertEquals(1, wrong.exit(), wrong.err());
            assertTrue(wrong.err().startsWith("skein: no open transaction on " + t + ":0 started at offset 5"), wrong.err());

            CliIT.Run aborted = ok(skein(kafka, "", "transactions", "abort", t + ":0", "--start-offset", "0"));
            assertTrue(aborted.err().startsWith("aborted the transaction of producer " + producerId + " "), aborted.err());
            Await.until("no transaction open on " + t + ":0", WAIT, () -> {
                String[] row = producerRow(kafka, t + ":0", producerId);
                return row != null && row[row.length - 1].equals("-");
            });
            assertEquals(List.of("after"), readCommitted(kafka, t), "the aborted record is not read");
        }
    }
}
