package dev.skein.producer.internal;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.producer.BufferExhaustedException;
import dev.skein.core.internal.ClientIds;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.producer.Callback;
import dev.skein.producer.PartitionInfo;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerInterceptor;
import dev.skein.producer.ProducerOptions;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.TransactionAbortedException;
import dev.skein.serdes.Serializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The producer. {@code send} runs on the caller's thread up to the append into a batch; the
 * {@link Sender} does the rest on an event loop; completions run on a single callback thread, which
 * keeps callbacks in send order per partition and keeps user code off the network threads.
 */
public final class SkeinProducer<K, V> implements Producer<K, V> {
    private static final Logger log = LoggerFactory.getLogger(SkeinProducer.class);
    private static final String COMMIT = "commitTransaction()";
    private static final String ABORT = "abortTransaction()";
    /** The one thread that runs send callbacks and completes batches (see {@link #awaitBatches}). */
    private volatile Thread callbackThread;

    private final ProducerOptions settings;
    private final ClusterClient client;
    private final RecordAccumulator accumulator;
    private final SendPath<K, V> path;
    private final Sender sender;
    private final ProducerMetrics metrics;
    private final ExecutorService callbacks;
    /** Null without interceptors: {@code send} then tests one field and pays nothing more. */
    private final ProducerInterceptors<K, V> interceptors;
    /** Null without an observation registry: {@code send} then tests one field and pays nothing more. */
    private final SendTracing tracing;
    private volatile boolean closed;
    /** Completes when close() begins: a send waiting for metadata stops waiting then ({@link #awaitTopic}). */
    private final CompletableFuture<Void> closing = new CompletableFuture<>();

    public SkeinProducer(ProducerOptions settings, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                         MeterRegistry meterRegistry, ObservationRegistry observationRegistry, ClientResources shared,
                         List<ProducerInterceptor<K, V>> interceptors) {
        // Without client.id, this producer names itself (producer-<n>, or producer-<transactional.id>) now, not at
        // build(): options shared by several producers still give each its own id, and its own meters.
        String transactionalId = settings.transactionalId();
        ClientOptions named = settings.client().withDefaultClientId(() -> ClientIds.producer(transactionalId));
        this.settings = settings = named == settings.client() ? settings : settings.mutate().client(named).build();
        this.interceptors = ProducerInterceptors.of(interceptors);
        this.tracing = SendTracing.of(observationRegistry, settings.client().clientId());
        // One loop for the sender and its connections: a batch is drained, written and answered on one thread.
        this.client = ClusterClient.startOnOneLoop(settings.client(), shared);
        // As Apache Kafka's producer: a broker with auto.create.topics.enable creates a topic sent to.
        client.metadata().allowAutoTopicCreation(true);
        this.accumulator = new RecordAccumulator(settings, client.resources().allocator());
        this.path = new SendPath<>(settings, keySerializer, valueSerializer, accumulator,
                new RecordClock(client.loop()));
        String clientId = settings.client().clientId();
        this.callbacks = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "skein-producer-callbacks-" + clientId);
            t.setDaemon(true);
            callbackThread = t;
            return t;
        });
        this.metrics = new ProducerMetrics(meterRegistry, clientId, accumulator.pool()::available);
        this.sender = new Sender(settings, client, accumulator, callbacks, metrics);
        metrics.inFlightGauge(sender::inFlightBatches);
        log.info("producer {} started (acks={}, idempotence={}, compression={})", clientId, settings.acks(),
                settings.idempotence(), settings.compression().configName());
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null, true);
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        return send(record, callback, true);
    }

    @Override
    public CompletableFuture<RecordMetadata> trySend(ProducerRecord<K, V> record) {
        return send(record, null, false);
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> given, Callback givenCallback, boolean mayBlock) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        // Interceptors first, before anything can fail, as Apache Kafka's producer does: they see every
        // record sent, and every failure comes back to them through the wrapped callback.
        ProducerRecord<K, V> intercepted = interceptors == null ? given : interceptors.onSend(given);
        Callback acknowledge = interceptors == null ? givenCallback : interceptors.wrap(givenCallback);
        // Tracing after the interceptors: the headers written are those of the record that goes.
        SendTracing.Traced<K, V> traced = tracing == null ? null : tracing.start(intercepted, acknowledge);
        ProducerRecord<K, V> record = traced == null ? intercepted : traced.record;
        Callback callback = traced == null ? acknowledge : traced;
        TransactionManager txn = sender.transactions();
        boolean inTransaction = false;
        try {
            if (closed) {
                throw new IllegalStateException("the producer is closed; cannot send to " + record.topic());
            }
            RuntimeException fatal = sender.fatalError();
            if (fatal != null) {
                throw fatal;
            }
            if (txn != null) {
                txn.checkSend();
                inTransaction = true;
            }
            Cluster.TopicInfo topic = knownTopic(record.topic());
            Integer partition = record.partition();
            long deadline;
            if (topic != null && (partition == null || partition < topic.partitionCount())) {
                // the common case reads no clock: a wait for memory counts from its start
                deadline = mayBlock ? RecordAccumulator.MAX_BLOCK_FROM_NOW : System.nanoTime();
            } else {
                deadline = System.nanoTime() + (mayBlock ? settings.maxBlock().toNanos() : 0);
                topic = awaitTopic(record.topic(), partition == null ? -1 : partition, deadline, mayBlock);
            }
            RecordAccumulator.Appended a = path.append(record, topic, future, callback, deadline);
            if (a != RecordAccumulator.Appended.TO_EXISTING) {
                sender.wakeup();
            }
        } catch (RuntimeException e) {
            // A record that will never be written makes the transaction abortable. trySend()'s "would block"
            // (no room, no metadata yet) is not that: the application tries the same record again.
            boolean wouldBlock = !mayBlock && (e instanceof BufferExhaustedException || e instanceof TimeoutException);
            if (inTransaction && !wouldBlock) {
                txn.onSendFailed(e);
            }
            if (!wouldBlock) {
                metrics.recordErrors(1); // the failure path only: a record that goes pays nothing for it
            }
            Runnable fail = () -> {
                if (callback != null) {
                    // The partition only when the record named it: one the partitioner chose is not known here.
                    ProducerBatch.runCallback(callback, ProducerBatch.failedMetadata(record.topic(),
                            record.partition() == null ? -1 : record.partition()), e);
                }
                future.completeExceptionally(e);
            };
            try {
                callbacks.execute(fail);
            } catch (RejectedExecutionException closedAlready) {
                fail.run(); // after close the callback thread is gone; nothing else is pending
            }
        }
        return future;
    }

    /** The last topic {@link #awaitTopic} found, in the metadata it was found in. */
    private record LastTopic(Cluster cluster, String name, Cluster.TopicInfo info) {}

    private volatile LastTopic lastTopic;

    /** The topic's metadata if the client has it, usable; null otherwise. Never waits. */
    private Cluster.TopicInfo knownTopic(String name) {
        Cluster cluster = client.cluster();
        LastTopic last = lastTopic;
        if (last != null && last.cluster() == cluster && last.name() == name) {
            return last.info(); // the same String sent to again, metadata unchanged: no lookup
        }
        Cluster.TopicInfo t = usable(cluster.topic(name));
        if (t != null) {
            lastTopic = new LastTopic(cluster, name, t);
        }
        return t;
    }

    /**
     * The topic's metadata, with {@code partition} in it (-1: any partition), waiting until the deadline when
     * {@code mayBlock}. A partition beyond the known count (partitions added since) is waited for with
     * refreshes, as Apache Kafka's {@code KafkaProducer.waitOnMetadata} does, rather than refused until
     * metadata.max.age.ms brings it. A topic the broker refuses to describe (not authorized, an invalid
     * name) fails at once: waiting cannot help. Without {@code mayBlock} (trySend) a refresh is asked for
     * and the retriable would-block {@link TimeoutException} thrown.
     */
    private Cluster.TopicInfo awaitTopic(String name, int partition, long deadline, boolean mayBlock) {
        Cluster.TopicInfo known = knownTopic(name);
        if (known != null && partition < known.partitionCount()) {
            return known;
        }
        ErrorCode lastError = null;
        // A topic known without the partition is in the metadata's topics already: refresh it now.
        CompletableFuture<Cluster> next = known == null ? client.addTopics(List.of(name)) : refreshNaming(name);
        Cluster c = client.cluster();
        for (boolean first = true; ; first = false) {
            if (closed) {
                throw new IllegalStateException("the producer was closed while send() waited for metadata of " + name);
            }
            Cluster.TopicInfo info = c.topic(name);
            ErrorCode refusal = info == null ? null : info.refusal();
            if (refusal == ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
                throw new AuthorizationException("not authorized to write to topic " + name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            }
            if (refusal != null) {
                // INVALID_TOPIC_EXCEPTION (a name the broker refuses) and the like: as Apache Kafka's producer throws
                // InvalidTopicException at once; here the code's type (InvalidRequestException) with the code.
                throw refusal.exception("cannot send to topic " + name);
            }
            Cluster.TopicInfo t = usable(info);
            if (t != null && partition < t.partitionCount()) {
                return t;
            }
            known = t != null ? t : known;
            lastError = info == null ? lastError : info.error();
            long remaining = deadline - System.nanoTime();
            if (!mayBlock || remaining <= 0) {
                throw notPresent(name, partition, known, lastError, mayBlock);
            }
            if (!first) { // the last refresh did not have it: ask again after the backoff
                sleepQuietly(Math.min(settings.client().retryBackoff().toMillis(), TimeUnit.NANOSECONDS.toMillis(remaining)));
                next = refreshNaming(name);
            }
            try {
                // The metadata, or close(): the client's pending refreshes are not completed when it closes.
                CompletableFuture.anyOf(next, closing).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                c = next.isDone() && !next.isCompletedExceptionally() ? next.join() : client.cluster();
            } catch (java.util.concurrent.TimeoutException e) {
                c = client.cluster();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TimeoutException("interrupted while waiting for metadata of " + name, e, false);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthenticationException refused) {
                    // The metadata could not be had now (KIP-152): no use waiting out max.block.ms. Not final:
                    // a later send tries again once the broker's backoff is over.
                    throw refused;
                }
                c = client.cluster();
            }
        }
    }

    /**
     * A refresh whose request names the topic: it is added to the metadata's topics again should it have
     * left them as idle (metadata.max.idle.ms) since the snapshot that described it.
     */
    private CompletableFuture<Cluster> refreshNaming(String name) {
        CompletableFuture<Cluster> added = client.addTopics(List.of(name));
        return added.isDone() ? client.refreshMetadata() : added;
    }

    /** The retriable timeout of a wait for metadata: the topic, or (in Apache Kafka's words) its partition. */
    private TimeoutException notPresent(String name, int partition, Cluster.TopicInfo known, ErrorCode lastError,
                                        boolean mayBlock) {
        long waitedMs = mayBlock ? settings.maxBlock().toMillis() : 0;
        if (known != null) {
            return new TimeoutException(String.format("Partition %d of topic %s with partition count %d is not present"
                    + " in metadata after %d ms", partition, name, known.partitionCount(), waitedMs), null, true);
        }
        return new TimeoutException("topic " + name + " not present in metadata after max.block.ms ("
                + settings.maxBlock().toMillis() + " ms)" + (lastError == null ? "" : ": " + lastError), null, true);
    }

    private static Cluster.TopicInfo usable(Cluster.TopicInfo t) {
        return t != null && t.error() == ErrorCode.NONE && t.partitionCount() > 0 ? t : null;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(Math.max(1, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void flush() {
        awaitBatches("flush()", Long.MAX_VALUE);
    }

    /**
     * Sends every batch at once (linger cut short) and waits until each one incomplete now is done, for
     * at most {@code timeoutNanos}, then throws a retriable {@link dev.skein.core.errors.TimeoutException}
     * naming {@code what}.
     *
     * @throws IllegalStateException on the callback thread while a batch is incomplete: the batch completes
     *     on that thread, after its callbacks, so the wait would never end (Apache Kafka's producer only
     *     logs that a flush from a callback deadlocks)
     */
    private void awaitBatches(String what, long timeoutNanos) {
        List<ProducerBatch> pending = accumulator.incomplete();
        if (pending.isEmpty()) {
            return;
        }
        if (Thread.currentThread() == callbackThread) {
            // Batches whose completion is queued here finish after this callback returns: not on their way.
            pending.removeIf(b -> b.completing);
            if (pending.isEmpty()) {
                return;
            }
            throw new IllegalStateException(what + " was called from a send callback while records are still on"
                    + " their way: their callbacks run on the thread that runs this one, so it would wait forever."
                    + " Call it from another thread.");
        }
        long deadline = System.nanoTime() + Math.min(timeoutNanos, Long.MAX_VALUE / 4);
        sender.beginFlush();
        try {
            for (ProducerBatch b : pending) {
                b.done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new dev.skein.core.errors.TimeoutException(what + ": records were still on their way after max.block.ms ("
                    + settings.maxBlock().toMillis() + " ms); call it again to go on waiting", e, true);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a batch's completion failed", e.getCause()); // never: done only completes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkeinException(what + " was interrupted", e);
        } finally {
            sender.endFlush();
        }
    }

    // ---- transactions ----

    private TransactionManager txn() {
        if (closed) {
            throw new IllegalStateException("the producer is closed");
        }
        TransactionManager t = sender.transactions();
        if (t == null) {
            throw new IllegalStateException("transactions need transactional.id, and this producer has none");
        }
        return t;
    }

    /** Waits for a transaction step, at most max.block.ms (and a little: the step has its own bound). */
    private void await(CompletableFuture<Void> step, String what) {
        await(step, what, () -> { });
    }

    /** As {@link #await(CompletableFuture, String)}; {@code seen} runs when the step's outcome is returned or thrown. */
    private void await(CompletableFuture<Void> step, String what, Runnable seen) {
        try {
            step.get(settings.maxBlock().toMillis() + 5_000, TimeUnit.MILLISECONDS);
            seen.run();
        } catch (ExecutionException e) {
            seen.run();
            throw e.getCause() instanceof RuntimeException re ? re : new SkeinException(what + " failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new dev.skein.core.errors.TimeoutException(what + " did not finish within max.block.ms", e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.skein.core.errors.TimeoutException(what + " was interrupted", e, false);
        }
    }

    /**
     * Runs the transactional call {@code what} ({@code start} queues it), or, when the same call gave up
     * waiting before, waits for that one's result again ({@link TxnState#call}); until its outcome is
     * returned or thrown, it stays the pending call.
     */
    private void call(TransactionManager t, String what, Supplier<CompletableFuture<Void>> start) {
        CompletableFuture<Void> result = t.call(what, start);
        await(result, what, () -> t.seen(result));
    }

    @Override
    public void initTransactions() {
        TransactionManager t = txn();
        call(t, "initTransactions()", t::initTransactions);
    }

    @Override
    public void beginTransaction() {
        TransactionManager t = txn();
        t.requireNoPendingCall("beginTransaction()");
        t.beginTransaction();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The topics go by id (TxnOffsetCommit v6, KIP-1319) when this producer's metadata knows the id of
     * each of them and the group's coordinator speaks v6; otherwise by name. Metadata is not asked for
     * them: a producer that never wrote to the topics it read from names them.
     */
    @Override
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        sendOffsetsToTransaction(offsets, group, Map.of());
    }

    /**
     * {@link #sendOffsetsToTransaction(Map, ConsumerGroupMetadata)} with the ids of the topics' incarnations
     * the records were read from ({@code topicIds}, by topic name; the consumer knows them, as
     * {@code ExactlyOnceProcessor} hands them over), taken before this producer's metadata, which may
     * already name a topic created again since. At TxnOffsetCommit v6 the coordinator then refuses the
     * offsets of a topic deleted since (the transaction becomes abortable) rather than committing them
     * for a new topic of the same name. Not API: Skein's consumer module calls it.
     */
    public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group,
                                         Map<String, UUID> topicIds) {
        Objects.requireNonNull(group, "group");
        if (offsets.isEmpty()) {
            return;
        }
        TransactionManager t = txn();
        t.requireNoPendingCall("sendOffsetsToTransaction()");
        Map<String, UUID> ids = topicIds(offsets, topicIds);
        try {
            await(t.sendOffsets(Map.copyOf(offsets), group, ids), "sendOffsetsToTransaction()");
        } catch (TransactionAbortableException e) {
            if (ids.size() > topicIds.size()) {
                // Some ids came from this producer's metadata: a refusal (UNKNOWN_TOPIC_ID) may mean it is out of
                // date. Read it again, or every later transaction would be refused until metadata.max.age.ms.
                client.refreshMetadata();
            }
            throw e;
        }
    }

    /** {@code given}, completed from this producer's metadata for the topics it leaves out. */
    private Map<String, UUID> topicIds(Map<TopicPartition, OffsetAndMetadata> offsets, Map<String, UUID> given) {
        Map<String, UUID> ids = new HashMap<>(given);
        Cluster c = client.cluster();
        for (TopicPartition tp : offsets.keySet()) {
            if (!ids.containsKey(tp.topic()) && c != null) {
                Cluster.TopicInfo info = c.topic(tp.topic());
                if (info != null && info.error() == ErrorCode.NONE && info.id() != null) {
                    ids.put(tp.topic(), info.id());
                }
            }
        }
        return ids;
    }

    @Override
    public void commitTransaction() {
        TransactionManager t = txn();
        if (!t.resumes(COMMIT)) {
            t.requireEndMayStart(true);
            if (t.state() == TxnState.State.IN_TRANSACTION) {
                // Every record of the transaction acknowledged (or failed, which makes it abortable), within
                // max.block.ms as Apache Kafka's commitTransaction() is: the same call again waits on.
                awaitBatches(COMMIT, settings.maxBlock().toNanos());
            }
        }
        call(t, COMMIT, () -> t.endTransaction(true));
    }

    @Override
    public void abortTransaction() {
        TransactionManager t = txn();
        if (!t.resumes(ABORT)) {
            t.requireEndMayStart(false);
            await(sender.failUnsent(new TransactionAbortedException("the transaction was aborted;"
                    + " this record was never written")), ABORT);
            try {
                // Those in flight: wait for their answers, within max.block.ms; EndTxn waits for the rest.
                awaitBatches(ABORT, settings.maxBlock().toNanos());
            } catch (dev.skein.core.errors.TimeoutException e) {
                log.debug("abortTransaction(): records still in flight after max.block.ms; EndTxn waits for them");
            }
        }
        call(t, ABORT, () -> t.endTransaction(false));
    }

    /**
     * Closing with a transaction open ends it, best effort, within the close timeout: left open, it would
     * hold read_committed consumers back until the coordinator times it out ({@code transaction.timeout.ms}).
     * A commit under way, or one that timed out, is finished by committing (its EndTxn may have reached
     * the coordinator, so an abort would be refused), as Apache Kafka's producer lets a completing
     * transaction finish on close; any other open transaction is aborted, as is one whose commit failed.
     */
    private void endOpenTransaction(long deadline) {
        TransactionManager t = sender.transactions();
        if (t == null || !t.inTransaction()) {
            return;
        }
        if (t.state() == TxnState.State.COMMITTING || COMMIT.equals(t.pendingCall())) {
            endOnClose(t, COMMIT, () -> t.endTransaction(true), deadline);
        }
        if (t.inTransaction()) {
            endOnClose(t, ABORT, () -> sender.failUnsent(new TransactionAbortedException(
                    "the producer was closed inside a transaction, which was aborted; this record was never written"))
                    .thenCompose(x -> t.endTransaction(false)), deadline);
        }
    }

    /** Commits or aborts ({@code what}) on close, waiting until {@code deadline}; failures are logged. */
    private void endOnClose(TransactionManager t, String what, Supplier<CompletableFuture<Void>> start, long deadline) {
        String clientId = settings.client().clientId();
        try {
            CompletableFuture<Void> end = t.call(what, start);
            try {
                end.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                log.info("producer {} closed inside a transaction: {} finished it", clientId, what);
            } finally {
                if (end.isDone()) {
                    t.seen(end);
                }
            }
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("producer {} closed inside a transaction and {} did not finish it within the close timeout;"
                    + " the coordinator aborts it after transaction.timeout.ms", clientId, what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("producer {} closed inside a transaction; {} failed: {}", clientId, what, e.getCause().getMessage());
        } catch (RuntimeException e) {
            log.warn("producer {} closed inside a transaction; {} was refused: {}", clientId, what, e.getMessage());
        }
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        Cluster.TopicInfo t = awaitTopic(topic, -1, System.nanoTime() + settings.maxBlock().toNanos(), true);
        Cluster c = client.cluster();
        List<PartitionInfo> out = new ArrayList<>();
        for (Cluster.PartitionInfo p : t.partitions()) {
            out.add(new PartitionInfo(topic, p.partition(), p.leader() < 0 ? null : c.broker(p.leader()),
                    p.replicas().stream().map(c::broker).filter(Objects::nonNull).toList(),
                    p.isr().stream().map(c::broker).filter(Objects::nonNull).toList()));
        }
        return out;
    }

    @Override
    public void close() {
        close(Duration.ofDays(365));
    }

    @Override
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        long deadline = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        endOpenTransaction(deadline);
        closed = true;
        closing.complete(null);
        accumulator.closeAppends(); // a send under way now fails rather than land after the loop below looked
        sender.beginClose();
        for (ProducerBatch b : accumulator.incomplete()) {
            long remaining = deadline - System.nanoTime();
            try {
                b.done.get(Math.max(0, remaining), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException e) {
                // a batch's done future never fails
            }
        }
        if (accumulator.hasIncomplete()) {
            sender.abortAll("the producer was closed before the record was acknowledged");
        }
        client.close();
        accumulator.close(); // after the connections: no request holds a batch's buffer now
        metrics.close();
        callbacks.shutdown();
        try {
            if (!callbacks.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("producer callbacks still running 30 s after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (interceptors != null) {
            interceptors.close(); // after the last acknowledgement ran on the callback thread
        }
        log.info("producer {} closed", settings.client().clientId());
    }
}
