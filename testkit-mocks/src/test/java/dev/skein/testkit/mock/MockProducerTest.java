package dev.skein.testkit.mock;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.producer.Partitioners;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.TransactionAbortedException;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serdes;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MockProducerTest {
    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("g", 1, "m", null);

    private static MockProducer.Builder<String, String> strings() {
        return MockProducer.builder(Serdes.string().serializer(), Serdes.string().serializer());
    }

    private static Throwable failure(CompletableFuture<RecordMetadata> f) {
        assertTrue(f.isCompletedExceptionally(), "the future failed");
        return assertThrows(CompletionException.class, f::join).getCause();
    }

    @Test
    void keyedRecordsGoWhereTheDefaultPartitionerSendsThemAndOffsetsGrowPerPartition() {
        MockProducer<String, String> producer = strings().partitions("orders", 6).build();
        List<RecordMetadata> acks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            acks.add(producer.send(ProducerRecord.of("orders", "customer-" + (i % 4), "v" + i)).join());
        }
        long[] next = new long[6];
        for (int i = 0; i < 20; i++) {
            byte[] key = ("customer-" + (i % 4)).getBytes(StandardCharsets.UTF_8);
            int expected = Partitioners.murmur2().partition("orders", key, 6);
            assertEquals(expected, acks.get(i).partition(), "record " + i);
            assertEquals(next[expected]++, acks.get(i).offset(), "record " + i);
            assertEquals(expected, producer.history().get(i).partition(), "history has the partition chosen");
        }
        assertEquals(20, producer.history().size());
    }

    @Test
    void aConfiguredPartitionerAndAnExplicitPartitionAreHonoured() {
        MockProducer<String, String> producer = strings().partitions("t", 3).partitioner((topic, key, n) -> 2).build();
        assertEquals(2, producer.send(ProducerRecord.of("t", "k", "v")).join().partition());
        assertEquals(1, producer.send(ProducerRecord.of("t", "k", "v").withPartition(1)).join().partition());
        assertEquals(0, producer.send(ProducerRecord.of("t", "no key")).join().partition(), "keyless: partition 0");
    }

    @Test
    void aPartitionThatDoesNotExistOrAFailingSerializerFailsTheFutureAndTheCallback() {
        MockProducer<String, String> producer = strings().partitions("t", 2).build();
        Exception[] seen = new Exception[1];
        CompletableFuture<RecordMetadata> f = producer.send(ProducerRecord.of("t", "k", "v").withPartition(2),
                (md, e) -> seen[0] = e);
        assertInstanceOf(IllegalArgumentException.class, failure(f));
        assertInstanceOf(IllegalArgumentException.class, seen[0]);

        MockProducer<String, String> broken = MockProducer.builder(Serdes.string().serializer(),
                (String v, dev.skein.serdes.SerdeContext c) -> { throw new IllegalStateException("boom"); }).build();
        assertInstanceOf(SerializationException.class, failure(broken.send(ProducerRecord.of("t", "k", "v"))));
        assertTrue(broken.history().isEmpty(), "a record the serializer refused was never sent");
    }

    @Test
    void aFailedSendsCallbackGetsMetadataWithItsTopicAndPartitionAsTheRealProducerGivesIt() {
        MockProducer<String, String> producer = strings().partitions("t", 2).autoComplete(false).build();
        List<RecordMetadata> seen = new ArrayList<>();
        producer.send(ProducerRecord.of("t", "k", "v").withPartition(5), (md, e) -> seen.add(md)); // refused in send()
        producer.send(ProducerRecord.of("t", "k", "v").withPartition(1), (md, e) -> seen.add(md));
        producer.errorNext(new IllegalStateException("broker said no"));
        assertEquals(List.of(new RecordMetadata("t", 5, -1, -1, -1, -1), new RecordMetadata("t", 1, -1, -1, -1, -1)), seen);
    }

    @Test
    void manualCompletionAcknowledgesAndFailsInSendOrderAndRunsCallbacksFirst() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1_000), ZoneOffset.UTC);
        MockProducer<String, String> producer = strings().autoComplete(false).clock(clock).build();
        List<String> events = new ArrayList<>();
        CompletableFuture<RecordMetadata> a = producer.send(ProducerRecord.of("t", "a", "1"),
                (md, e) -> events.add("a " + (e == null ? md.offset() : e.getMessage())));
        CompletableFuture<RecordMetadata> b = producer.send(ProducerRecord.of("t", "b", "2"),
                (md, e) -> events.add("b " + (e == null ? md.offset() : e.getMessage())));
        CompletableFuture<RecordMetadata> c = producer.send(ProducerRecord.of("t", "c", "3"));
        assertFalse(a.isDone());
        assertEquals(3, producer.pendingCount());

        assertTrue(producer.errorNext(new TimeoutException("no answer", null, true)));
        assertTrue(producer.completeNext());
        assertInstanceOf(TimeoutException.class, failure(a));
        RecordMetadata mb = b.join();
        assertEquals(0, mb.offset(), "a failed record takes no offset");
        assertEquals(1_000, mb.timestamp(), "the clock stamps records sent without a timestamp");
        assertEquals(1, mb.serializedKeySize());
        assertEquals(List.of("a no answer", "b 0"), events);

        producer.flush();
        assertEquals(1, c.join().offset(), "flush acknowledges what is pending");
        assertFalse(producer.completeNext(), "nothing left");
        assertEquals(1, producer.flushCount());
    }

    @Test
    void sendAfterCloseFailsWithIllegalStateAndCloseAcknowledgesWhatIsPending() {
        MockProducer<String, String> producer = strings().autoComplete(false).build();
        CompletableFuture<RecordMetadata> pending = producer.send(ProducerRecord.of("t", "k", "v"));
        producer.close();
        assertEquals(0, pending.join().offset());
        assertTrue(producer.closed());
        assertInstanceOf(IllegalStateException.class, failure(producer.send(ProducerRecord.of("t", "k", "v"))));
        assertEquals(1, producer.history().size());
    }

    @Test
    void transactionMethodsOutOfOrderThrowWhatTheRealProducerThrows() {
        assertThrows(IllegalStateException.class, () -> strings().build().initTransactions(), "not transactional");
        MockProducer<String, String> producer = strings().transactional(true).build();
        assertThrows(IllegalStateException.class, producer::beginTransaction, "before initTransactions()");
        producer.initTransactions();
        assertThrows(IllegalStateException.class, producer::initTransactions, "twice");
        assertThrows(IllegalStateException.class, producer::commitTransaction, "no open transaction");
        assertThrows(IllegalStateException.class, producer::abortTransaction, "no open transaction");
        assertInstanceOf(IllegalStateException.class, failure(producer.send(ProducerRecord.of("t", "k", "v"))),
                "a send outside a transaction");
        assertThrows(IllegalStateException.class, () -> producer.sendOffsetsToTransaction(
                Map.of(new TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP));
        producer.beginTransaction();
        assertThrows(IllegalStateException.class, producer::beginTransaction, "one transaction at a time");
    }

    @Test
    void aCommittedTransactionKeepsItsRecordsAndOffsetsAndAnAbortedOneFailsWhatWasPending() {
        MockProducer<String, String> producer = strings().transactional(true).autoComplete(false).build();
        producer.initTransactions();
        producer.beginTransaction();
        CompletableFuture<RecordMetadata> first = producer.send(ProducerRecord.of("out", "k", "1"));
        TopicPartition in = new TopicPartition("in", 0);
        producer.sendOffsetsToTransaction(Map.of(in, OffsetAndMetadata.of(7)), GROUP);
        assertTrue(producer.transactionInFlight());
        producer.commitTransaction();
        assertEquals(0, first.join().offset(), "the commit flushes first");

        producer.beginTransaction();
        CompletableFuture<RecordMetadata> second = producer.send(ProducerRecord.of("out", "k", "2"));
        producer.abortTransaction();
        assertInstanceOf(TransactionAbortedException.class, failure(second));

        List<MockProducer.Transaction<String, String>> txns = producer.transactions();
        assertEquals(2, txns.size());
        assertTrue(txns.get(0).committed());
        assertEquals(List.of(ProducerRecord.of("out", "k", "1").withPartition(0)), txns.get(0).records());
        assertEquals(Map.of("g", Map.of(in, OffsetAndMetadata.of(7))), txns.get(0).offsets());
        assertFalse(txns.get(1).committed());
        assertFalse(producer.transactionInFlight());
    }

    @Test
    void aRecordThatFailsInATransactionMakesItAbortable() {
        MockProducer<String, String> producer = strings().transactional(true).autoComplete(false).build();
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(ProducerRecord.of("out", "k", "1"));
        producer.errorNext(new IllegalStateException("refused"));
        assertInstanceOf(TransactionAbortableException.class, failure(producer.send(ProducerRecord.of("out", "k", "2"))));
        assertThrows(TransactionAbortableException.class, producer::commitTransaction);
        producer.abortTransaction();
        producer.beginTransaction(); // usable again after the abort
        producer.send(ProducerRecord.of("out", "k", "3"));
        producer.commitTransaction();
        assertTrue(producer.transactions().get(1).committed());
    }

    @Test
    void aRecordRefusedInsideSendMakesTheTransactionAbortableAsInTheRealProducer() {
        MockProducer<String, String> producer = MockProducer.builder(Serdes.string().serializer(),
                (String v, dev.skein.serdes.SerdeContext ctx) -> {
                    if (v.equals("bad")) {
                        throw new IllegalArgumentException("cannot serialize " + v);
                    }
                    return v.getBytes(StandardCharsets.UTF_8);
                }).transactional(true).partitions("out", 2).build();
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(ProducerRecord.of("out", "k", "1"));
        assertInstanceOf(SerializationException.class, failure(producer.send(ProducerRecord.of("out", "k", "bad"))));
        // The real producer never commits a transaction one of whose records will never be written.
        assertThrows(TransactionAbortableException.class, producer::commitTransaction);
        producer.abortTransaction();

        producer.beginTransaction();
        assertInstanceOf(IllegalArgumentException.class, failure(producer.send(ProducerRecord.of("out", "k", "2").withPartition(5))));
        assertThrows(TransactionAbortableException.class, producer::commitTransaction, "no such partition: abortable too");
        producer.abortTransaction();
        assertEquals(List.of(false, false), producer.transactions().stream().map(MockProducer.Transaction::committed).toList());
    }

    @Test
    void aCommitThatTimedOutIsFinishedOnlyByCommittingAgain() {
        MockProducer<String, String> producer = strings().transactional(true).build();
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(ProducerRecord.of("out", "k", "1"));
        producer.failNextCommit(new TimeoutException("commit timed out", null, true));
        assertThrows(TimeoutException.class, producer::commitTransaction);
        // The commit may have reached the coordinator: the real producer refuses anything but committing again.
        assertThrows(IllegalStateException.class, producer::abortTransaction);
        assertThrows(IllegalStateException.class, producer::beginTransaction);
        assertThrows(IllegalStateException.class, () -> producer.sendOffsetsToTransaction(
                Map.of(new TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP));
        assertInstanceOf(IllegalStateException.class, failure(producer.send(ProducerRecord.of("out", "k", "2"))));
        producer.commitTransaction();
        assertEquals(1, producer.transactions().size());
        assertTrue(producer.transactions().get(0).committed());
        assertEquals(1, producer.transactions().get(0).records().size(), "the refused record is not in it");
    }

    @Test
    void injectedCommitFailuresAndFencingActAsTheRealProducersErrors() {
        MockProducer<String, String> producer = strings().transactional(true).build();
        producer.initTransactions();
        producer.beginTransaction();
        producer.failNextCommit(new TimeoutException("commit timed out", null, true));
        assertThrows(TimeoutException.class, producer::commitTransaction);
        producer.commitTransaction(); // a timed-out commit is finished by committing again

        producer.beginTransaction();
        producer.failNextCommit(new TransactionAbortableException("group moved on", null));
        assertThrows(TransactionAbortableException.class, producer::commitTransaction);
        producer.abortTransaction();

        producer.fence();
        assertThrows(ProducerFencedException.class, producer::beginTransaction);
        assertInstanceOf(ProducerFencedException.class, failure(producer.send(ProducerRecord.of("out", "k", "v"))));
    }

    @Test
    void closeInsideATransactionAbortsIt() {
        MockProducer<String, String> producer = strings().transactional(true).autoComplete(false).build();
        producer.initTransactions();
        producer.beginTransaction();
        CompletableFuture<RecordMetadata> pending = producer.send(ProducerRecord.of("out", "k", "v"));
        producer.close();
        assertInstanceOf(TransactionAbortedException.class, failure(pending));
        assertFalse(producer.transactions().get(0).committed());
        assertThrows(IllegalStateException.class, producer::beginTransaction);
    }

    @Test
    void recordsPendingWhenTheTransactionBecomesAbortableFailAtOnceWithTheAbortableError() {
        MockProducer<String, String> producer = strings().transactional(true).autoComplete(false).build();
        producer.initTransactions();
        producer.beginTransaction();
        CompletableFuture<RecordMetadata> refused = producer.send(ProducerRecord.of("out", "k", "1"));
        CompletableFuture<RecordMetadata> queued = producer.send(ProducerRecord.of("out", "k", "2"));
        IllegalStateException broker = new IllegalStateException("refused");
        producer.errorNext(broker);
        assertSame(broker, failure(refused));
        // As the real producer (KIP-654): what is still queued can only be aborted, so it fails now, with the reason.
        Throwable dropped = failure(queued);
        assertInstanceOf(TransactionAbortableException.class, dropped);
        assertInstanceOf(TransactionAbortableException.class, dropped.getCause(), "the abortable error is the cause");
        assertSame(broker, dropped.getCause().getCause());
        assertFalse(producer.completeNext(), "nothing is left to acknowledge");
        producer.abortTransaction();

        // The same when the transaction becomes abortable inside send() (no such partition).
        producer.beginTransaction();
        CompletableFuture<RecordMetadata> before = producer.send(ProducerRecord.of("out", "k", "3"));
        assertInstanceOf(IllegalArgumentException.class, failure(producer.send(ProducerRecord.of("out", "k", "4").withPartition(9))));
        assertInstanceOf(TransactionAbortableException.class, failure(before));
        assertEquals(0, producer.pendingCount());
    }

    @Test
    void closeAfterFenceFailsPendingRecordsWithTheFenceInsteadOfAcknowledgingThem() {
        MockProducer<String, String> producer = strings().transactional(true).autoComplete(false).build();
        producer.initTransactions();
        producer.beginTransaction();
        CompletableFuture<RecordMetadata> a = producer.send(ProducerRecord.of("out", "k", "1"));
        CompletableFuture<RecordMetadata> b = producer.send(ProducerRecord.of("out", "k", "2"));
        producer.fence();
        producer.close();
        assertInstanceOf(ProducerFencedException.class, failure(a), "a fenced producer writes nothing more");
        assertInstanceOf(ProducerFencedException.class, failure(b));
        assertTrue(producer.closed());
    }

    @Test
    void autoCompletedCallbacksRunOneAtATimeInSendOrderWhateverThreadSends() throws Exception {
        MockProducer<String, String> producer = strings().build();
        List<String> order = new ArrayList<>();
        CountDownLatch firstInCallback = new CountDownLatch(1);
        CountDownLatch secondSent = new CountDownLatch(1);
        boolean[] secondDidNotWait = new boolean[1];
        Thread first = new Thread(() -> producer.send(ProducerRecord.of("t", "k", "a"), (md, e) -> {
            firstInCallback.countDown();
            try {
                // The real producer's single callback thread runs the next callback only after this one: a
                // second record of the partition, sent meanwhile by another thread, must not overtake it,
                // and its send() must not wait for this callback either.
                secondDidNotWait[0] = secondSent.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            synchronized (order) {
                order.add("a " + md.offset());
            }
        }));
        first.start();
        assertTrue(firstInCallback.await(10, TimeUnit.SECONDS));
        CompletableFuture<RecordMetadata> b = producer.send(ProducerRecord.of("t", "k", "b"), (md, e) -> {
            synchronized (order) {
                order.add("b " + md.offset());
            }
        });
        secondSent.countDown();
        assertEquals(1, b.get(10, TimeUnit.SECONDS).offset());
        first.join(10_000);
        assertTrue(secondDidNotWait[0], "the second send returned while the first record's callback ran");
        assertEquals(List.of("a 0", "b 1"), order);
    }

    @Test
    void recordsSentByManyThreadsAllCompleteWithCallbacksInOffsetOrder() throws Exception {
        MockProducer<String, String> producer = strings().build();
        List<Long> seen = new ArrayList<>();
        List<CompletableFuture<RecordMetadata>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 2_000; i++) {
                    futures.add(producer.send(ProducerRecord.of("t", "k", "v"), (md, e) -> seen.add(md.offset())));
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        // The callbacks ran one at a time (the list is not synchronized) and saw the partition's offsets in order.
        assertEquals(java.util.stream.LongStream.range(0, 8_000).boxed().toList(), seen);
    }

    @Test
    void partitionsForReportsTheConfiguredCount() {
        MockProducer<String, String> producer = strings().partitions("a", 4).defaultPartitions(2).build();
        assertEquals(4, producer.partitionsFor("a").size());
        assertEquals(2, producer.partitionsFor("b").size());
        assertEquals(List.of(0, 1, 2, 3), producer.partitionsFor("a").stream().map(p -> p.partition()).toList());
        assertTrue(producer.partitionsFor("a").stream().allMatch(p -> p.leader() != null), "every partition has a leader");
    }
}
