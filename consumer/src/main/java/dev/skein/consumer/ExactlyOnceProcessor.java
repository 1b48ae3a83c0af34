package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.consumer.internal.SkeinConsumer;
import dev.skein.core.internal.config.ConfigValues;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerBuilder;
import dev.skein.producer.ProducerInterceptor;
import dev.skein.producer.ProducerOptions;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.internal.SkeinProducer;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serializer;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Exactly-once consume-transform-produce. Each polled batch is one transaction: the outputs of every
 * input record, and the input offsets (with the consumer's group generation, KIP-447), commit
 * together or not at all; the input is read {@code read_committed}.
 *
 * <pre>{@code
 * try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor
 *         .builder(Serdes.string().deserializer(), Serdes.string().deserializer(),
 *                  Serdes.string().serializer(), Serdes.string().serializer())
 *         .bootstrapServers("localhost:9092").groupId("copier").transactionalId("copier-1")
 *         .input(List.of("orders")).build()) {
 *     copier.run(r -> List.of(ProducerRecord.of("orders-copy", r.key(), r.value().toUpperCase())),
 *             Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>When a transaction cannot commit (a record was not written, the group rebalanced this member out,
 * or the transform throws {@link TransactionAbortableException} to ask for it), the processor aborts
 * and rewinds the consumer to the start of the batch, whose offsets are the committed ones: the batch
 * is processed again. Any other exception the transform throws aborts and rewinds the same way, then
 * leaves the call with that exception; so does an output the producer refuses for what it is
 * ({@link RecordTooLargeException}, a {@link SerializationException}), which no number of retries
 * would write. The outputs of a transaction that aborted are never committed. Being fenced by a newer instance with the same transactional id ends the
 * processor with the fatal error ({@link dev.skein.core.errors.ProducerFencedException}), and so does a
 * transaction the coordinator aborted for outliving {@code transaction.timeout.ms}: the coordinator
 * answers both alike, and a zombie that carried on would fence the instance that replaced it. Start a
 * new processor (it takes the transactional id over) after such an end.
 *
 * <p>A cluster that does not answer in time is waited out: a send or the offsets that got no answer
 * within {@code max.block.ms} abort the transaction and rewind as above; a commit or abort that timed
 * out is called again (it may already have reached the coordinator, so only the same call can finish
 * it) for up to {@code transaction.timeout.ms}, and only then is the timeout thrown. The next call then
 * finishes that commit or abort (the same call again) before it polls anything: the batch's partitions
 * stay where its outcome puts them, and an abort rewinds them to the batch whatever became of it.
 *
 * <p>Partitions are revoked only inside {@code poll()}, which runs between transactions, so no
 * transaction ever commits work for a partition this member no longer owns: if the group moved on
 * meanwhile, the offset commit is refused and the transaction aborts.
 */
public final class ExactlyOnceProcessor<KI, VI, KO, VO> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceProcessor.class);
    private static final GuardedTracing TRACING = new GuardedTracing(ExactlyOnceProcessor.class);

    /** Turns one input record into the records to write (none is fine). */
    @FunctionalInterface
    public interface Transform<KI, VI, KO, VO> {
        List<ProducerRecord<KO, VO>> apply(ConsumerRecord<KI, VI> input);
    }

    private final Consumer<KI, VI> consumer;
    private final Producer<KO, VO> producer;
    /** Null without tracing. */
    private final ObservationRegistry observations;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private long committedTransactions;
    private long abortedTransactions;

    /** How long a commit or abort that timed out is tried again: the transaction timeout. */
    private final Duration retryFor;
    /**
     * The transaction whose commit or abort gave up (timed out past {@link #retryFor}), which the next call
     * finishes before it polls; null when none. Its outcome decides where the batch's partitions stand, so
     * nothing may be polled past them meanwhile.
     */
    private Unfinished unfinished;

    private record Unfinished(boolean commit, Map<TopicPartition, Long> start, int records) {}

    private ExactlyOnceProcessor(Consumer<KI, VI> consumer, Producer<KO, VO> producer, Duration retryFor,
                                 ObservationRegistry observations) {
        this.consumer = consumer;
        this.observations = observations;
        this.producer = producer;
        this.retryFor = retryFor;
    }

    public static <KI, VI, KO, VO> Builder<KI, VI, KO, VO> builder(Deserializer<KI> inKeys, Deserializer<VI> inValues,
                                                                    Serializer<KO> outKeys, Serializer<VO> outValues) {
        return new Builder<>(inKeys, inValues, outKeys, outValues);
    }

    /**
     * Polls once and, when records arrived, processes them in one transaction. Returns how many input
     * records were committed (0 when none arrived or the transaction was aborted and rewound).
     */
    public int processOnce(Duration pollTimeout, Transform<KI, VI, KO, VO> transform) {
        return processOnce(pollTimeout, Integer.MAX_VALUE, transform);
    }

    /**
     * As {@link #processOnce(Duration, Transform)}, taking at most {@code maxRecords} of the polled
     * records into the transaction; the rest are read again by the next call.
     */
    public int processOnce(Duration pollTimeout, int maxRecords, Transform<KI, VI, KO, VO> transform) {
        if (unfinished != null) {
            return finishUnfinished();
        }
        ConsumerRecords<KI, VI> records = consumer.poll(pollTimeout);
        if (records.isEmpty()) {
            return 0;
        }
        List<ConsumerRecord<KI, VI>> batch = new ArrayList<>();
        Map<TopicPartition, Long> start = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> next = new LinkedHashMap<>();
        Map<TopicPartition, Long> leftOver = new LinkedHashMap<>();
        for (ConsumerRecord<KI, VI> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            start.putIfAbsent(tp, r.offset());
            if (batch.size() < maxRecords) {
                batch.add(r);
                next.put(tp, new OffsetAndMetadata(r.offset() + 1, "", r.leaderEpoch())); // KIP-320, as commits carry it
            } else {
                leftOver.putIfAbsent(tp, r.offset());
            }
        }
        try {
            producer.beginTransaction();
            for (ConsumerRecord<KI, VI> r : batch) {
                if (observations == null) {
                    sendOutputs(r, transform);
                } else { // the outputs' "skein.send" become children of the input's "skein.process"
                    // Guarded: a tracing handler that throws must not abort the batch (read again, it would
                    // throw again: a poison pill); only the transform and the sends decide.
                    TRACING.process(r, observations, () -> sendOutputs(r, transform));
                }
            }
            // TxnOffsetCommit up to v5 names topics, not topic ids: offsets read from a topic deleted and created
            // again since would be committed for the new one, whose records below them no one has read. Those
            // seen recreated are left out; the outputs of the old records, which can never be read again, still
            // commit. At v6 (KIP-1319, Kafka 4.4 under transactions version 2) the offsets go with the ids they
            // were read from, and a recreation this check is too early to see is refused by the coordinator
            // (UNKNOWN_TOPIC_ID: the transaction is abortable, and aborts below).
            Set<TopicPartition> reborn = recreated(next.keySet());
            if (!reborn.isEmpty()) {
                log.warn("{} belong to topics deleted and created again: their offsets are left out of the transaction",
                        reborn);
                next.keySet().removeAll(reborn);
            }
            if (!next.isEmpty()) {
                sendOffsets(next);
            }
        } catch (TransactionAbortableException e) {
            return abortOrEnd(batch.size(), start, e);
        } catch (SkeinException e) {
            if (!e.isRetriable()) {
                throw abandon(start, e);
            }
            // No answer in time (metadata for a send, the offsets joining): whether the offsets joined is
            // unknown, so the transaction cannot commit; abort it and read the batch again.
            return abortAndRewind(batch.size(), start, e);
        } catch (RuntimeException e) {
            throw abandon(start, e); // the transform threw: a bug or a bad input is the caller's to handle
        } catch (Error e) {
            throw abandon(start, e);
        }
        Set<TopicPartition> rebornSince = recreated(next.keySet());
        if (!rebornSince.isEmpty()) {
            // Recreated after the offsets joined the transaction: they cannot be taken out again, so it aborts.
            // The recreated partitions are not rewound: the next poll resets them, as new.
            log.warn("{} belong to topics deleted and created again while their offsets joined the transaction:"
                    + " aborting it", rebornSince);
            start.keySet().removeAll(rebornSince);
            abortThenRewind(start);
            abortedTransactions++;
            return 0;
        }
        try {
            commit();
        } catch (TransactionAbortableException e) {
            return abortOrEnd(batch.size(), start, e);
        } catch (TimeoutException e) {
            // Committed or not, the coordinator knows; the next call asks the producer again before it polls.
            unfinished = new Unfinished(true, start, batch.size());
            rewind(leftOver); // never in the transaction: read again whatever became of it
            throw e;
        }
        committedTransactions++;
        rewind(leftOver); // the part of the poll not taken is read again next time
        return batch.size();
    }

    /**
     * Finishes the transaction whose commit or abort gave up in an earlier call: the same call again, as
     * the producer requires. A commit that went through counts its records; one that turns out abortable
     * is aborted and its batch read again; an abort leaves the batch to be read again (the consumer was
     * rewound when it was asked for). Throws the timeout again while it still cannot finish.
     */
    private int finishUnfinished() {
        Unfinished u = unfinished;
        if (!u.commit()) {
            untilFinished(producer::abortTransaction, "abort", "aborting again");
            unfinished = null;
            abortedTransactions++;
            return 0;
        }
        try {
            commit();
        } catch (TransactionAbortableException e) {
            unfinished = null;
            return abortOrEnd(u.records(), u.start(), e);
        }
        unfinished = null;
        committedTransactions++;
        return u.records();
    }

    private void sendOutputs(ConsumerRecord<KI, VI> input, Transform<KI, VI, KO, VO> transform) {
        for (ProducerRecord<KO, VO> out : transform.apply(input)) {
            producer.send(out); // a failed send makes the commit below abortable
        }
    }

    /**
     * Commits, and when the commit times out commits again: its EndTxn may have reached the
     * coordinator, so only the same call may finish it (Apache Kafka's producer documents the same for
     * {@code commitTransaction()}); an abort would be refused. See {@link #untilFinished}.
     */
    private void commit() {
        untilFinished(producer::commitTransaction, "commit", "committing again");
    }

    /**
     * A transaction that cannot commit: aborted, and the batch read again, unless an output was refused
     * for what it is (larger than the producer or broker takes, or not serializable). Reading the batch
     * again would produce it again, and abort again, forever: the batch is aborted and rewound, and the
     * refusal thrown, for the application to change the transform (or route the input elsewhere).
     */
    private int abortOrEnd(int records, Map<TopicPartition, Long> start, TransactionAbortableException why) {
        for (Throwable c = why; c != null; c = c.getCause()) {
            if (c instanceof RecordTooLargeException || c instanceof SerializationException) {
                throw abandon(start, (RuntimeException) c);
            }
        }
        return abortAndRewind(records, start, why);
    }

    /** Aborts (an abort that timed out is finished by aborting again: {@link #untilFinished}) and rewinds. */
    private int abortAndRewind(int records, Map<TopicPartition, Long> start, SkeinException why) {
        log.info("aborting the transaction of {} records and reading them again: {}", records, why.getMessage());
        abortThenRewind(start);
        abortedTransactions++;
        return 0;
    }

    /**
     * Aborts the transaction and rewinds to {@code start} whatever the abort's outcome: an abort asked for
     * can only end in an abort (the coordinator's, or its own once the transaction times out), so the
     * batch is read again either way. Were the rewind left out when the abort timed out, the consumer
     * would stay past the batch and a later call, rewinding only to its own batch, would skip this one.
     * An abort that gave up is finished by the next call before it polls.
     */
    private void abortThenRewind(Map<TopicPartition, Long> start) {
        try {
            untilFinished(producer::abortTransaction, "abort", "aborting again");
        } catch (TimeoutException e) {
            unfinished = new Unfinished(false, start, 0);
            throw e;
        } finally {
            rewind(start);
        }
    }

    /**
     * Ends the batch that {@code e} interrupts before it is thrown: aborts its transaction, so that
     * neither its outputs nor an open transaction outlive it (read_committed readers of the outputs
     * would wait on that until {@code transaction.timeout.ms}, and the next call could not begin one),
     * and rewinds to the batch's start, so a later call processes it again. After a fatal producer error
     * (fenced, say) the abort fails too; that failure is attached to {@code e}.
     */
    private <T extends Throwable> T abandon(Map<TopicPartition, Long> start, T e) {
        try {
            abortThenRewind(start);
            abortedTransactions++;
        } catch (RuntimeException abort) {
            e.addSuppressed(abort);
        }
        return e;
    }

    /**
     * Runs {@code end} (a commit or an abort) again while it times out, and gives up, throwing the
     * timeout, once it has been retried for longer than the transaction timeout: by then the
     * coordinator has either finished it or aborted the transaction, and still cannot be reached.
     */
    private void untilFinished(Runnable end, String what, String again) {
        long deadline = System.nanoTime() + retryFor.toNanos();
        while (true) {
            try {
                end.run();
                return;
            } catch (TimeoutException e) {
                if (!e.isRetriable() || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                log.warn("the {} did not finish ({}); {}", what, e.getMessage(), again);
            }
        }
    }

    /**
     * The batch's offsets into the transaction, with the topic ids their records were read from when both
     * sides are Skein's (the consumer knows the ids; the producer sends them at TxnOffsetCommit v6), so the
     * coordinator refuses the offsets of a topic that is no longer the one read from.
     */
    private void sendOffsets(Map<TopicPartition, OffsetAndMetadata> next) {
        if (consumer instanceof SkeinConsumer<KI, VI> skein && producer instanceof SkeinProducer<KO, VO> p) {
            p.sendOffsetsToTransaction(next, consumer.groupMetadata(), skein.topicIdsRead(next.keySet()));
        } else {
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
        }
    }

    /** Those of {@code partitions} whose topic was deleted and created again since their records were read. */
    private Set<TopicPartition> recreated(Collection<TopicPartition> partitions) {
        return consumer instanceof SkeinConsumer<KI, VI> skein ? skein.recreatedSince(partitions) : Set.of();
    }

    /** Seeks back to the given offsets (partitions still assigned; the others moved on). */
    private void rewind(Map<TopicPartition, Long> start) {
        start.forEach((tp, offset) -> {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
    }

    /**
     * Processes until {@link #stop()} is called or {@code idle} passes without an input record (once
     * partitions are assigned; a batch whose transaction aborted counts as input, as it is read again).
     * Returns the number of input records committed. An exception the transform throws ends it, after
     * the batch's transaction was aborted and the consumer rewound to the batch: calling it again
     * processes that batch again.
     */
    public long run(Transform<KI, VI, KO, VO> transform, Duration idle) {
        long total = 0;
        long last = System.nanoTime();
        while (!stopping.get()) {
            int n;
            long abortedBefore = abortedTransactions;
            try {
                n = processOnce(Duration.ofMillis(200), transform);
            } catch (WakeupException e) {
                if (stopping.get()) {
                    break;
                }
                throw e;
            }
            total += n;
            // Input that came and was aborted is not idleness: its batch is read again.
            if (n > 0 || abortedTransactions > abortedBefore || consumer.assignment().isEmpty()) {
                last = System.nanoTime();
            } else if (System.nanoTime() - last >= idle.toNanos()) {
                break;
            }
        }
        return total;
    }

    /** Makes {@link #run} return after the transaction in progress; safe from any thread. */
    public void stop() {
        stopping.set(true);
        consumer.wakeup();
    }

    public long committedTransactions() {
        return committedTransactions;
    }

    public long abortedTransactions() {
        return abortedTransactions;
    }

    public Consumer<KI, VI> consumer() {
        return consumer;
    }

    @Override
    public void close() {
        try {
            consumer.close();
        } finally {
            producer.close(Duration.ofSeconds(30));
        }
    }

    /** Options: the consumer's and the producer's, plus the group, the transactional id and the input topics. */
    public static final class Builder<KI, VI, KO, VO> {
        private final ConsumerBuilder<KI, VI> consumer;
        private final ProducerBuilder<KO, VO> producer;
        private Collection<String> input;
        private String groupId;
        private String transactionalId;
        private ObservationRegistry observations;

        private Builder(Deserializer<KI> inKeys, Deserializer<VI> inValues, Serializer<KO> outKeys, Serializer<VO> outValues) {
            this.consumer = Consumer.builder(inKeys, inValues).delivery(Delivery.EXACTLY_ONCE)
                    .offsetReset(OffsetReset.EARLIEST);
            this.producer = Producer.builder(outKeys, outValues);
        }

        public Builder<KI, VI, KO, VO> bootstrapServers(String servers) {
            consumer.bootstrapServers(servers);
            producer.bootstrapServers(servers);
            return this;
        }

        public Builder<KI, VI, KO, VO> groupId(String group) {
            this.groupId = group;
            return this;
        }

        /** Must be the same across restarts of this processor instance, and unique among instances. */
        public Builder<KI, VI, KO, VO> transactionalId(String id) {
            this.transactionalId = id;
            return this;
        }

        public Builder<KI, VI, KO, VO> input(Collection<String> topics) {
            this.input = List.copyOf(topics);
            return this;
        }

        /** The producer's {@code transaction.timeout.ms}; see {@link ProducerBuilder#transactionTimeout}. */
        public Builder<KI, VI, KO, VO> transactionTimeout(Duration d) {
            producer.transactionTimeout(d);
            return this;
        }

        /**
         * Sets a property by its standard name on the consumer, the producer, or both when both take it
         * (a key neither takes fails at {@link #build()}, naming it).
         */
        public Builder<KI, VI, KO, VO> property(String key, Object value) {
            if (key.equals("interceptor.classes")) {
                splitInterceptorClasses(value);
                return this;
            }
            boolean consumerKey = ConsumerBuilder.PROPERTY_NAMES.contains(key);
            boolean producerKey = ProducerBuilder.PROPERTY_NAMES.contains(key);
            if (consumerKey || !producerKey) {
                consumer.property(key, value);
            }
            if (producerKey || !consumerKey) {
                producer.property(key, value);
            }
            return this;
        }

        /**
         * {@code interceptor.classes} names both kinds: each class goes to the client whose interceptor
         * interface it implements (both, if it implements both). A name that does not resolve goes to the
         * consumer, whose {@code build()} names the key and the class.
         */
        private void splitInterceptorClasses(Object value) {
            List<Object> forConsumer = new ArrayList<>();
            List<Object> forProducer = new ArrayList<>();
            List<?> specs = value instanceof List<?> l ? l
                    : value instanceof Class<?> c ? List.of(c) : ConfigValues.list("interceptor.classes", value);
            for (Object spec : specs) {
                Class<?> c = spec instanceof Class<?> given ? given : loadOrNull(spec);
                boolean producerSide = c != null && ProducerInterceptor.class.isAssignableFrom(c);
                if (producerSide) {
                    forProducer.add(spec);
                }
                if (!producerSide || ConsumerInterceptor.class.isAssignableFrom(c)) {
                    forConsumer.add(spec);
                }
            }
            consumer.property("interceptor.classes", forConsumer);
            producer.property("interceptor.classes", forProducer);
        }

        private static Class<?> loadOrNull(Object name) {
            ClassLoader context = Thread.currentThread().getContextClassLoader();
            try {
                return Class.forName(String.valueOf(name).trim(), false,
                        context != null ? context : ExactlyOnceProcessor.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return null;
            }
        }

        /**
         * Traces each input record: a "skein.process" observation per record (see {@link RecordTracing}),
         * a child of the trace context its producer wrote, around the transform and the sends of its
         * outputs, whose "skein.send" observations are its children and carry the trace on; the
         * consumer's and the producer's own observations as {@link ConsumerBuilder#observationRegistry}
         * and {@link ProducerBuilder#observationRegistry} describe. Off by default.
         */
        public Builder<KI, VI, KO, VO> observationRegistry(ObservationRegistry registry) {
            this.observations = registry;
            consumer.observationRegistry(registry);
            producer.observationRegistry(registry);
            return this;
        }

        /** Adds an interceptor to the consumer; see {@link ConsumerBuilder#interceptor}. */
        public Builder<KI, VI, KO, VO> consumerInterceptor(ConsumerInterceptor<KI, VI> interceptor) {
            consumer.interceptor(interceptor);
            return this;
        }

        /** Adds an interceptor to the producer; see {@link ProducerBuilder#interceptor}. */
        public Builder<KI, VI, KO, VO> producerInterceptor(ProducerInterceptor<KO, VO> interceptor) {
            producer.interceptor(interceptor);
            return this;
        }

        public Builder<KI, VI, KO, VO> properties(Map<String, ?> props) {
            props.forEach(this::property);
            return this;
        }

        /**
         * Builds both clients, registers the transactional id ({@code initTransactions()}, fencing older
         * instances) and subscribes to the input.
         */
        public ExactlyOnceProcessor<KI, VI, KO, VO> build() {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(transactionalId, "transactionalId");
            if (input == null || input.isEmpty()) {
                throw new IllegalArgumentException("input topics are required");
            }
            // Checked before the consumer starts, so a bad producer option leaves nothing to close; its
            // transaction timeout bounds the retries of a commit or abort (untilFinished).
            ProducerOptions po = producer.transactionalId(transactionalId).options();
            Consumer<KI, VI> c = consumer.groupId(groupId).build();
            Producer<KO, VO> p;
            try {
                p = producer.build();
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            try {
                p.initTransactions();
                c.subscribe(new ArrayList<>(input));
            } catch (RuntimeException e) {
                c.close();
                p.close(Duration.ofSeconds(5));
                throw e;
            }
            return new ExactlyOnceProcessor<>(c, p, po.transactionTimeout(), observations);
        }
    }
}
