package dev.skein.consumer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM by {@link ExactlyOnceIT}: a copier that crashes mid-transaction. It writes copies of
 * records 0..n-1 of partition 0 of args[1] to args[2], adds offset n of group args[3] to the transaction
 * (transactional id args[4], transaction timeout args[6] ms), prints "OPEN" and halts without ending it.
 * The group's offsets stay pending, unstable to any reader that asks for stable offsets, until the
 * broker aborts the transaction when it times out. Args: bootstrap, in, out, group, txn id, n, timeout.
 */
public final class OpenTransactionMain {
    private OpenTransactionMain() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[5]);
        Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(args[0])
                .transactionalId(args[4]).transactionTimeout(Duration.ofMillis(Long.parseLong(args[6]))).build();
        producer.initTransactions();
        producer.beginTransaction();
        java.util.List<java.util.concurrent.CompletableFuture<?>> sent = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            sent.add(producer.send(new ProducerRecord<>(args[2], 0, null, Integer.toString(i), java.util.List.of(), null)));
        }
        producer.flush();
        for (java.util.concurrent.CompletableFuture<?> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
        producer.sendOffsetsToTransaction(Map.of(new TopicPartition(args[1], 0), OffsetAndMetadata.of(n)),
                new ConsumerGroupMetadata(args[3], -1, "", null));
        System.out.println("OPEN");
        System.out.flush();
        Runtime.getRuntime().halt(0); // a crash: no abort, no close
    }
}
