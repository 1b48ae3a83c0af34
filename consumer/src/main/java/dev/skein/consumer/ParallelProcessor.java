package dev.skein.consumer;

import dev.skein.core.Header;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.consumer.internal.DeadLetterHeaders;
import dev.skein.consumer.internal.DoneOffsets;
import dev.skein.consumer.internal.MetadataBudget;
import dev.skein.consumer.internal.OwnedMeters;
import dev.skein.consumer.internal.ParallelScheduler;
import dev.skein.consumer.internal.ParallelScheduler.CommitPoint;
import dev.skein.consumer.internal.ParallelScheduler.Work;
import dev.skein.consumer.internal.StuckWatch;
import dev.skein.producer.Acks;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serdes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * (Long on purpose: most of it is this class's contract, in javadoc, and its builder; the state machine
 * is {@code internal/ParallelScheduler}, the metadata codec {@code internal/DoneOffsets}. What stays here
 * is the polling loop, the hand-off to handlers and the commits, which share one lock and one thread's
 * state.)
 *
 * <p>Processes the records of a consumer group many at a time, also within one partition, keeping order
 * only where it matters and committing so that nothing unprocessed is ever skipped.
 *
 * <pre>{@code
 * try (ParallelProcessor<String, String> processor = ParallelProcessor
 *         .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
 *         .bootstrapServers("localhost:9092").groupId("enricher").topics("orders")
 *         .ordering(ParallelProcessor.Ordering.KEY).maxInFlight(1_000)
 *         .build()) {
 *     Runtime.getRuntime().addShutdownHook(new Thread(processor::close));
 *     processor.run(order -> lookup.enrich(order.key(), order.value())); // a blocking call is fine
 * }
 * }</pre>
 *
 * <p><b>Order.</b> With {@link Ordering#KEY} (the default) two records of one partition with equal keys
 * (byte for byte) never run at the same time and run in offset order; records with a {@code null} key
 * have nothing to be ordered by and run as they come. {@link Ordering#PARTITION} runs one record of a
 * partition at a time; {@link Ordering#UNORDERED} runs any record as soon as there is room.
 *
 * <p><b>Commits.</b> Per partition, the offset of the first record not done, every
 * {@link Builder#commitInterval commit interval}, when a partition is revoked and on close. The records
 * done above it go into the commit's metadata (see {@code DoneOffsets}: its size grows with the records
 * <i>not</i> done), and a member that takes the partition over skips them. A crash therefore runs again
 * the records that were in flight and those finished since the last commit, nothing else, and loses
 * none. (The broker caps commit metadata at {@code offset.metadata.max.bytes}, 4096 by default; when the
 * description would not fit, the part that does not is left out and run again, never skipped. A broker
 * set below the 4,000 characters written refuses the commit: the partitions go again at once with the
 * plain offset, and later commits carry half the metadata, down to none.)
 *
 * <p><b>Rebalances.</b> When partitions are revoked the processor stops starting their records, waits
 * for the running ones (up to the {@link Builder#drainTimeout drain timeout}), commits, and only then
 * lets the group move them: a key does not run on two members at once (unless a record outlives the
 * drain timeout: the partition then moves without waiting for it). With the consumer group protocol
 * (KIP-848) only the partitions that move are paused; the others keep flowing.
 *
 * <p><b>Failures.</b> A handler that throws (or an async handler whose stage fails) is run again after an
 * exponential backoff, up to {@link Builder#retry max attempts}; its key waits meanwhile, other keys
 * do not. Then the record goes to the {@link Builder#deadLetterTopic dead-letter topic} (key, value and
 * headers as read, plus {@code skein.dlt.topic}, {@code skein.dlt.partition}, {@code skein.dlt.offset},
 * {@code skein.dlt.attempts} and {@code skein.dlt.error}, the error's text cut to 1 KiB), or, without one,
 * the processor stops and
 * {@link #run} throws {@link RecordProcessingException}, leaving the record uncommitted. A record whose key
 * or value does not deserialize is not retried.
 *
 * <p><b>Back-pressure.</b> At most {@link Builder#maxInFlight} records (and bytes of keys and values)
 * run at once (a record backing off before a retry counts as running). Records waiting behind their key
 * take no room there, so a slow key, or under {@link Ordering#PARTITION} a slow partition, does not
 * stop the others; instead each partition holds at most {@code maxInFlight} waiting records (and
 * {@code maxInFlightBytes}), and a partition at that bound pauses on its own until half of it has
 * drained. Polled records beyond the room wait outside, taken in
 * order as records end (by the thread whose record ended, which runs the one it took: no hand-off per
 * record while the processor is full); the loop polls again only while less than two polls' worth
 * ({@code max.poll.records}) waits there, and if that much waits for long, fetching pauses (the group
 * membership carries on) until it drains. Memory stays within the consumer's buffer, {@code maxInFlight}
 * running, {@code maxInFlight} waiting per partition, and three polls. A partition whose oldest
 * unfinished record holds back more than ten times {@code maxInFlight} records is paused on its own
 * until that record finishes, and one whose oldest record has not ended for a minute is logged (WARN,
 * once a minute).
 *
 * <p>Handlers run on the {@link Builder#executor executor}: by default a virtual thread per record on a
 * JVM that has them (21 and later), else a pool of up to {@code min(maxInFlight, 256 × CPUs, 1024)} daemon
 * threads (past that, platform threads cost more in switching than they add).
 * {@link #run} polls on the calling thread until {@link #close()} (from another thread, a shutdown
 * hook) or a failure ends it.
 */
public final class ParallelProcessor<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ParallelProcessor.class);
    private static final GuardedTracing TRACING = new GuardedTracing(ParallelProcessor.class);
    private static final Object WHOLE_PARTITION = new Object();
    private static final Duration POLL = Duration.ofMillis(100);
    /** What each client is given to close in. */
    private static final Duration CLIENTS_CLOSE = Duration.ofSeconds(30);
    private static final long PAUSED_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Records a partition may hold behind its oldest unfinished one, per record of {@code maxInFlight}. */
    private static final int SPAN_PER_IN_FLIGHT = 10;
    /** How long a partition's oldest record not done may hold it back before a warning (and between two). */
    private static final long STUCK_WARNING_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** The metadata we write stays under the broker's default {@code offset.metadata.max.bytes} (4096). */
    private static final int MAX_METADATA_CHARS = 4000;

    /** Which records may run at the same time. */
    public enum Ordering {
        /** Records of a partition with equal keys run one at a time, in offset order. The default. */
        KEY,
        /** One record of a partition at a time, in offset order (the plain consumer's order). */
        PARTITION,
        /** Any record, as soon as there is room. */
        UNORDERED
    }

    /** A blocking handler: returning means done, throwing means failed (and retried). */
    @FunctionalInterface
    public interface Handler<K, V> {
        void handle(ConsumerRecord<K, V> record) throws Exception;
    }

    /**
     * A non-blocking handler: the record is done when the stage completes, failed when it fails. Called
     * on the executor; it must not block. Whatever thread completes the stage is not blocked by the
     * processor: a failure's retry or dead-letter send is handed to the executor.
     */
    @FunctionalInterface
    public interface AsyncHandler<K, V> {
        CompletionStage<?> handle(ConsumerRecord<K, V> record);
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> deadLetters;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final Collection<String> topics;
    private final Pattern pattern;
    private final Ordering ordering;
    private final int maxInFlight;
    private final long maxInFlightBytes;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final ScheduledExecutorService timer;
    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final String deadLetterTopic;
    private final Duration commitInterval;
    private final Duration drainTimeout;
    /** How long {@link #close()} waits for {@link #run} to end and close the clients (see there). */
    private final Duration closeWait;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ParallelScheduler<ConsumerRecord<byte[], byte[]>> scheduler;
    private final Map<Work<ConsumerRecord<byte[], byte[]>>, ScheduledFuture<?>> backingOff = new IdentityHashMap<>();

    // Only the thread in run() touches these.
    private final Map<TopicPartition, CommitPoint> committed = new HashMap<>(); // sent
    private final Map<TopicPartition, CommitPoint> confirmed = new HashMap<>(); // answered by the broker
    private final StuckWatch stuck = new StuckWatch(STUCK_WARNING_NANOS);
    private final MetadataBudget metadataBudget = new MetadataBudget(MAX_METADATA_CHARS);
    private boolean commitInFlight;
    private boolean commitSoon; // an interval commit was refused for its metadata: the plain one goes now
    private long commitSentAt;
    /** The handler, set once by {@link #run} or {@link #runAsync} (the other stays null). */
    private volatile Handler<K, V> blocking;
    private volatile AsyncHandler<K, V> async;
    /**
     * The loop polls while fewer than {@code pendingHigh} records (two polls' worth) wait outside the
     * scheduler, and once it has that many, waits for them to drain to {@code pendingLow} (one poll's
     * worth). The slack matters: on a busy machine the loop may wait a while for a CPU, and the handler
     * threads that find nothing waiting go back to the pool, to be woken one by one again.
     */
    private final int pendingHigh;
    private final int pendingLow;
    /**
     * Records polled and not yet handed to the scheduler, in the order polled (under the lock). The
     * polling thread adds to it; whichever thread finds room takes from it: the polling thread, or a
     * handler's thread when its record ends (it then runs the record it took itself, no hand-off).
     */
    private final java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> pending = new java.util.ArrayDeque<>();
    private volatile int pendingCount; // pending.size(), readable without the lock
    private boolean waitingForRoom; // under the lock
    private int draining;           // under the lock: drains waiting for running records

    /** Set by the first of {@link #run} and {@link #close()}: whichever it is closes the clients. */
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch clientsClosed = new CountDownLatch(1);
    /** The loop is on its way out: the rebalance listener leaves revokes (the consumer's close) to it. */
    private volatile boolean shuttingDown;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;

    private final LongAdder processed = new LongAdder();
    private final LongAdder retried = new LongAdder();
    private final LongAdder deadLettered = new LongAdder();
    private final Timer processing;
    /** Null when tracing is off. */
    private final ObservationRegistry observations;
    private final Counter retriesMeter;
    private final Counter deadLetteredMeter;
    /** The gauges this processor registered, removed on close (they hold it); null without a meter registry. */
    private final OwnedMeters meters;

    private ParallelProcessor(Builder<K, V> b, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> deadLetters,
                              ExecutorService ownedExecutor, String group, int maxPollRecords, Duration apiTimeout) {
        this.consumer = consumer;
        this.deadLetters = deadLetters;
        this.keys = b.keys;
        this.values = b.values;
        this.topics = b.topics;
        this.pattern = b.pattern;
        this.ordering = b.ordering;
        this.maxInFlight = b.maxInFlight;
        this.pendingHigh = 2 * maxPollRecords;
        this.pendingLow = maxPollRecords;
        this.maxInFlightBytes = b.maxInFlightBytes;
        // Records waiting behind their key take no room among maxInFlight; per partition, as many may wait.
        this.scheduler = new ParallelScheduler<>(MAX_METADATA_CHARS, maxInFlight, maxInFlightBytes);
        this.ownedExecutor = ownedExecutor;
        this.executor = b.executor != null ? b.executor : ownedExecutor;
        this.maxAttempts = b.maxAttempts;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.deadLetterTopic = b.deadLetterTopic;
        this.commitInterval = b.commitInterval;
        this.drainTimeout = b.drainTimeout;
        // The loop's way out: a revoke inside its last poll and its own stop, each a drain and a commit
        // (commitSync waits up to default.api.timeout.ms), then the consumer's and producer's closes.
        this.closeWait = drainTimeout.plus(apiTimeout).multipliedBy(2).plus(CLIENTS_CLOSE).plus(CLIENTS_CLOSE)
                .plusSeconds(30);
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("skein-parallel-retry"));
        this.observations = b.observationRegistry == null || b.observationRegistry.isNoop() ? null : b.observationRegistry;
        MeterRegistry r = b.meterRegistry;
        if (r != null) {
            meters = new OwnedMeters(r);
            Tags tags = Tags.of("group", group);
            meters.register("skein.parallel.in.flight", tags, Gauge.builder("skein.parallel.in.flight", this,
                    p -> p.locked(p.scheduler::held))
                    .description("records held: running, backing off or waiting behind their key").tags(tags)::register);
            meters.register("skein.parallel.key.waiting.max", tags, Gauge.builder("skein.parallel.key.waiting.max", this,
                    p -> p.locked(p.scheduler::maxWaitingPerKey))
                    .description("the longest line of records waiting behind a running one of the same key")
                    .tags(tags)::register);
            processing = Timer.builder("skein.parallel.processing").description("handler time of records done")
                    .tags(tags).register(r);
            retriesMeter = Counter.builder("skein.parallel.retries").description("handler runs that failed and were retried")
                    .tags(tags).register(r);
            deadLetteredMeter = Counter.builder("skein.parallel.dead.lettered")
                    .description("records written to the dead-letter topic").tags(tags).register(r);
        } else {
            meters = null;
            processing = null;
            retriesMeter = null;
            deadLetteredMeter = null;
        }
    }

    public static <K, V> Builder<K, V> builder(Deserializer<K> keys, Deserializer<V> values) {
        return new Builder<>(keys, values);
    }

    /**
     * Processes records with a blocking handler until {@link #close()} is called (from another thread)
     * or a record fails for good without a dead-letter topic ({@link RecordProcessingException}). On the
     * way out it stops starting records, waits for the running ones up to the drain timeout, commits and
     * closes the clients (the processor cannot run again).
     */
    public void run(Handler<K, V> handler) {
        Objects.requireNonNull(handler, "handler");
        loop(() -> blocking = handler);
    }

    /** As {@link #run(Handler)}, with a handler that returns a stage which completes when the record is done. */
    public void runAsync(AsyncHandler<K, V> handler) {
        Objects.requireNonNull(handler, "handler");
        loop(() -> async = handler);
    }

    /** Records done (dead-lettered ones included) since the processor started. */
    public long processedCount() {
        return processed.sum();
    }

    /** Handler runs that failed and were tried again. */
    public long retriedCount() {
        return retried.sum();
    }

    public long deadLetteredCount() {
        return deadLettered.sum();
    }

    /** Records held now: running, backing off, or waiting behind their key. */
    public int inFlight() {
        return locked(scheduler::held);
    }

    private void loop(Runnable setHandler) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException(clientsClosed.getCount() == 0 || stopping ? "the processor is closed"
                    : "run() may be called once");
        }
        setHandler.run();
        try {
            RebalanceListener listener = new Listener();
            if (pattern != null) {
                consumer.subscribe(pattern, listener);
            } else {
                consumer.subscribe(topics, listener);
            }
            long nextCommit = System.nanoTime() + commitInterval.toNanos();
            while (!stopping) {
                long now = System.nanoTime();
                if (commitSoon || now - nextCommit >= 0) {
                    commitSoon = false;
                    commit(null, false);
                    nextCommit = now + commitInterval.toNanos();
                }
                try {
                    pollOnce();
                } catch (WakeupException e) {
                    if (!stopping) {
                        throw e;
                    }
                }
            }
        } finally {
            try {
                shutDown();
            } finally {
                closeClients(); // here, never under the loop: close() waits for it
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        } else if (t != null) {
            throw new SkeinException("the parallel processor failed: " + t, t);
        }
    }

    /**
     * One turn of the loop. Records wait outside the scheduler (in {@link #pending}) up to two polls' worth;
     * with that much waiting, the loop waits for it to drain before polling again. Only when it does not
     * drain for a while (the handlers are stuck) does fetching pause: a pause drops what the consumer
     * prefetched, so pausing at every full moment would leave the handlers waiting for fetches. A
     * partition whose oldest unfinished record holds back too much pauses on its own.
     */
    private void pollOnce() {
        admit();
        if (pendingCount >= pendingHigh && waitForRoom()) {
            return; // drained: the next turn polls
        }
        boolean backlog = pendingCount >= pendingHigh;
        Set<TopicPartition> assigned = consumer.assignment();
        Set<TopicPartition> pause = new HashSet<>();
        long now = System.nanoTime();
        lock.lock();
        try {
            for (TopicPartition tp : assigned) {
                // A partition whose records waiting behind their key reach the bound pauses alone: those
                // records take no room among maxInFlight, so the other partitions go on.
                if (backlog || scheduler.waitingFull(tp) || scheduler.span(tp) >= (long) maxInFlight * SPAN_PER_IN_FLIGHT) {
                    pause.add(tp);
                }
                long oldest = scheduler.oldestNotDone(tp);
                long waited = stuck.observe(tp, oldest, now);
                if (waited > 0) {
                    log.warn("the record at {} offset {} has not ended for {} s (running, backing off or waiting behind"
                            + " its key): the partition's commit, and the records ordered after it, wait for it", tp, oldest,
                            TimeUnit.NANOSECONDS.toSeconds(waited));
                }
            }
        } finally {
            lock.unlock();
        }
        stuck.retain(assigned);
        applyPauses(assigned, pause);
        boolean allPaused = !assigned.isEmpty() && pause.size() == assigned.size();
        if (backlog || allPaused) {
            // Stuck, or nothing to fetch: keep the membership going (rebalances run inside poll) and take
            // what is already fetched.
            take(consumer.poll(Duration.ZERO));
            if (!backlog) {
                lock.lock();
                try {
                    if (!stopping) {
                        changed.awaitNanos(PAUSED_WAIT_NANOS); // paused partitions wait for their oldest record
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SkeinException("interrupted", e);
                } finally {
                    lock.unlock();
                }
            }
        } else {
            take(consumer.poll(POLL));
        }
    }

    /**
     * Waits, up to {@link #PAUSED_WAIT_NANOS}, for the records waiting outside the scheduler to drain to
     * {@link #pendingLow} (woken by {@link #signalIfWaited}); true when fewer than {@link #pendingHigh} wait.
     */
    private boolean waitForRoom() {
        lock.lock();
        try {
            if (pending.size() > pendingLow && !stopping) {
                waitingForRoom = true;
                long wait = PAUSED_WAIT_NANOS;
                while (waitingForRoom && !stopping && wait > 0) {
                    wait = changed.awaitNanos(wait);
                }
                waitingForRoom = false;
            }
            return pending.size() < pendingHigh;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkeinException("interrupted", e);
        } finally {
            lock.unlock();
        }
    }

    private void take(ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                pending.addLast(r);
            }
            pendingCount = pending.size();
        } finally {
            lock.unlock();
        }
        admit();
    }

    /**
     * Hands polled records to the scheduler while there is room, in the order polled, and starts those
     * that may start. What does not fit waits in {@link #pending}.
     */
    private void admit() {
        if (pendingCount == 0) {
            return;
        }
        List<Work<ConsumerRecord<byte[], byte[]>>> ready = new ArrayList<>();
        lock.lock();
        try {
            while (canAdmit()) {
                Work<ConsumerRecord<byte[], byte[]>> w = admitOne();
                if (w != null) {
                    ready.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Work<ConsumerRecord<byte[], byte[]>> w : ready) {
            dispatch(w);
        }
    }

    /** Under the lock: a record waits outside the scheduler and there is room for it. */
    private boolean canAdmit() {
        return !pending.isEmpty() && !full();
    }

    /**
     * Under the lock, when {@link #canAdmit}: moves the first waiting record into the scheduler. Returns
     * it when it may start now, {@code null} when it waits behind its key (or was done before).
     */
    private Work<ConsumerRecord<byte[], byte[]>> admitOne() {
        ConsumerRecord<byte[], byte[]> r = pending.pollFirst();
        pendingCount = pending.size();
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        long bytes = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        return scheduler.add(tp, r.offset(), r.leaderEpoch(), keyOf(r), bytes, r);
    }

    /** Under the lock: no room to start another record (records waiting behind their key take none). */
    private boolean full() {
        return scheduler.running() >= maxInFlight || scheduler.runningBytes() >= maxInFlightBytes;
    }

    /** Pauses exactly {@code pause} among the assigned partitions (asked of the consumer: a rebalance may have reset them). */
    private void applyPauses(Set<TopicPartition> assigned, Set<TopicPartition> pause) {
        Set<TopicPartition> now = consumer.paused();
        List<TopicPartition> resume = new ArrayList<>();
        for (TopicPartition tp : now) {
            if (!pause.contains(tp) && assigned.contains(tp)) {
                resume.add(tp);
            }
        }
        List<TopicPartition> newlyPaused = new ArrayList<>();
        for (TopicPartition tp : pause) {
            if (!now.contains(tp)) {
                newlyPaused.add(tp);
            }
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
        if (!newlyPaused.isEmpty()) {
            consumer.pause(newlyPaused);
        }
    }

    private Object keyOf(ConsumerRecord<byte[], byte[]> r) {
        return switch (ordering) {
            case KEY -> r.key() == null ? null : new KeyBytes(r.key());
            case PARTITION -> WHOLE_PARTITION;
            case UNORDERED -> null;
        };
    }

    /** Key bytes compared by content. */
    private record KeyBytes(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof KeyBytes k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private void dispatch(Work<ConsumerRecord<byte[], byte[]>> w) {
        try {
            executor.execute(() -> execute(w));
        } catch (RejectedExecutionException e) {
            abandon(w);
            fail(new SkeinException("the executor refused a record: " + e.getMessage(), e));
        }
    }

    /**
     * Runs {@code w} and, with a blocking handler, the records of its key that may start after it, on
     * this same thread (no hand-off per record).
     */
    private void execute(Work<ConsumerRecord<byte[], byte[]>> w) {
        Work<ConsumerRecord<byte[], byte[]>> next = w;
        while (next != null) {
            next = executeOne(next);
        }
    }

    /** Runs one record; returns the record to run next on this thread, if any. */
    private Work<ConsumerRecord<byte[], byte[]>> executeOne(Work<ConsumerRecord<byte[], byte[]>> w) {
        ConsumerRecord<byte[], byte[]> raw = w.record();
        if (raw == null || !scheduler.startable(w)) {
            abandon(w); // its partition is being given up, or we stop: the next owner runs it
            return null;
        }
        ConsumerRecord<K, V> record;
        try {
            record = deserialize(raw);
        } catch (Throwable e) {
            // Dead-lettered inside the record's trace too (the raw record carries the same headers).
            Observation trace = startTrace(raw);
            failedInTrace(() -> exhausted(w, raw, e, 0), trace, openScope(trace), e);
            return null;
        }
        long start = System.nanoTime();
        Observation trace = startTrace(record);
        Handler<K, V> handler = blocking;
        if (handler != null) {
            Observation.Scope scope = openScope(trace);
            try {
                handler.handle(record);
            } catch (Throwable e) {
                failedInTrace(() -> failed(w, raw, e), trace, scope, e);
                return null;
            }
            closeScope(scope);
            stop(trace, null);
            return complete(w, start);
        }
        CompletionStage<?> stage;
        Observation.Scope scope = openScope(trace);
        try {
            stage = async.handle(record);
        } catch (Throwable e) {
            failedInTrace(() -> failed(w, raw, e), trace, scope, e);
            return null;
        }
        closeScope(scope);
        if (stage == null) {
            stop(trace, null);
            return complete(w, start);
        }
        stage.whenComplete((v, e) -> {
            if (e == null) {
                stop(trace, null);
                succeeded(w, start);
            } else {
                // Not on the thread that completed the stage (the user's: an HTTP client's event loop, say):
                // what follows a failure may block, in the dead-letter send (up to max.block.ms).
                Throwable cause = unwrap(e);
                try {
                    executor.execute(() -> failedInTrace(() -> failed(w, raw, cause), trace, openScope(trace), cause));
                } catch (RejectedExecutionException rejected) {
                    stop(trace, cause);
                    abandon(w);
                    fail(new SkeinException("the executor refused a failed record: " + rejected.getMessage(), rejected));
                }
            }
        });
        return null;
    }

    /**
     * Runs what follows a failed run (a retry scheduled, or the dead letter sent) with the run's
     * observation still in scope, then ends it: the dead-letter producer's send is then a child of the
     * record's "skein.process", so the dead-letter record carries the source's trace on instead of
     * starting a trace of its own.
     */
    private static void failedInTrace(Runnable next, Observation trace, Observation.Scope scope, Throwable error) {
        try {
            next.run();
        } finally {
            closeScope(scope);
            stop(trace, error);
        }
    }

    // Tracing never decides a record's fate: a registry handler that throws leaves the record untraced
    // (logged), and the record is done, retried or dead-lettered as its handler alone says.

    private Observation startTrace(ConsumerRecord<?, ?> record) {
        return TRACING.start(record, observations);
    }

    private static Observation.Scope openScope(Observation trace) {
        return TRACING.openScope(trace);
    }

    private static void closeScope(Observation.Scope scope) {
        TRACING.closeScope(scope);
    }

    private static void stop(Observation trace, Throwable error) {
        TRACING.stop(trace, error);
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private ConsumerRecord<K, V> deserialize(ConsumerRecord<byte[], byte[]> r) {
        K key = keys.deserialize(r.key(), SerdeContext.forConsumer(r.topic(), SerdeContext.Target.KEY, r.headers(),
                r.partition(), r.offset()));
        V value = values.deserialize(r.value(), SerdeContext.forConsumer(r.topic(), SerdeContext.Target.VALUE, r.headers(),
                r.partition(), r.offset()));
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampIsLogAppendTime(),
                key, value, r.headers(), r.serializedKeySize(), r.serializedValueSize(), r.leaderEpoch());
    }

    /** {@code w} is done; starts the next record of its key on the executor. */
    private void succeeded(Work<ConsumerRecord<byte[], byte[]>> w, long startNanos) {
        Work<ConsumerRecord<byte[], byte[]>> next = complete(w, startNanos);
        if (next != null) {
            dispatch(next);
        }
    }

    /**
     * {@code w} is done; returns a record, started, for the caller to run: the next of its key, else one
     * that was waiting outside the scheduler for the room {@code w} frees. Any other record that may now
     * start goes to the executor. Taking the next record on the thread that freed the room spares a
     * hand-off per record (a wake-up of a pooled thread) while the processor is full.
     */
    private Work<ConsumerRecord<byte[], byte[]>> complete(Work<ConsumerRecord<byte[], byte[]>> w, long startNanos) {
        if (processing != null && startNanos != 0) {
            processing.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        }
        processed.increment();
        Work<ConsumerRecord<byte[], byte[]>> next;
        List<Work<ConsumerRecord<byte[], byte[]>>> more = null;
        lock.lock();
        try {
            next = scheduler.complete(w);
            while (canAdmit()) {
                Work<ConsumerRecord<byte[], byte[]>> x = admitOne();
                if (x == null) {
                    continue;
                }
                if (next == null) {
                    next = x;
                } else {
                    if (more == null) {
                        more = new ArrayList<>();
                    }
                    more.add(x);
                }
            }
            signalIfWaited();
        } finally {
            lock.unlock();
        }
        if (more != null) {
            more.forEach(this::dispatch);
        }
        return next;
    }

    /**
     * Wakes the polling thread when it waits for the records outside the scheduler to drain and they
     * have (to {@link #pendingLow}, so it wakes once per poll, not once per record), and a drain
     * whenever anything ends. Under the lock.
     */
    private void signalIfWaited() {
        if (draining > 0 || (waitingForRoom && pending.size() <= pendingLow)) {
            waitingForRoom = false;
            changed.signalAll();
        }
    }

    private void failed(Work<ConsumerRecord<byte[], byte[]>> w, ConsumerRecord<byte[], byte[]> raw, Throwable error) {
        int attempts;
        Work<ConsumerRecord<byte[], byte[]>> next = null;
        lock.lock();
        try {
            attempts = w.failed();
            if (attempts < maxAttempts) {
                if (!scheduler.live(w)) {
                    next = scheduler.abandon(w);
                    signalIfWaited();
                    return;
                }
                retried.increment();
                if (retriesMeter != null) {
                    retriesMeter.increment();
                }
                long delay = backoff(attempts);
                log.debug("record {} failed (attempt {} of {}), trying again in {} ms: {}", w, attempts, maxAttempts,
                        delay, error.toString());
                // Scheduled under the lock, so the retry (which takes it) finds itself in backingOff.
                backingOff.put(w, timer.schedule(() -> retry(w), delay, TimeUnit.MILLISECONDS));
                return;
            }
        } finally {
            lock.unlock();
            if (next != null) {
                dispatch(next); // the key of a record dropped by a going back moves on
            }
        }
        exhausted(w, raw, error, attempts);
    }

    private void retry(Work<ConsumerRecord<byte[], byte[]>> w) {
        lock.lock();
        try {
            if (backingOff.remove(w) == null) {
                return; // cancelled by a revoke or the stop, which let it go
            }
        } finally {
            lock.unlock();
        }
        dispatch(w);
    }

    /** Exponential from the initial backoff, capped, with up to 20% taken off at random so retries spread. */
    private long backoff(int attempts) {
        double ms = initialBackoff.toMillis() * Math.pow(2, Math.min(attempts - 1, 30));
        ms = Math.min(ms, maxBackoff.toMillis());
        return Math.max(1, (long) (ms * (1 - 0.2 * ThreadLocalRandom.current().nextDouble())));
    }

    private void exhausted(Work<ConsumerRecord<byte[], byte[]>> w, ConsumerRecord<byte[], byte[]> raw, Throwable error,
                           int attempts) {
        if (deadLetters == null) {
            abandon(w);
            fail(new RecordProcessingException(raw.topic(), raw.partition(), raw.offset(), attempts, error));
            return;
        }
        List<Header> headers = DeadLetterHeaders.of(raw.headers(), raw.topic(), raw.partition(), raw.offset(), attempts, error);
        log.warn("record {} failed after {} attempt(s); writing it to dead-letter topic {}: {}", w, attempts,
                deadLetterTopic, error.toString());
        try {
            deadLetters.send(new ProducerRecord<>(deadLetterTopic, null, raw.key(), raw.value(), headers, null))
                    .whenComplete((md, e) -> {
                        if (e == null) {
                            deadLettered.increment();
                            if (deadLetteredMeter != null) {
                                deadLetteredMeter.increment();
                            }
                            succeeded(w, 0);
                        } else {
                            abandon(w);
                            fail(new SkeinException("could not write " + w + " to dead-letter topic " + deadLetterTopic
                                    + ": " + unwrap(e), unwrap(e)));
                        }
                    });
        } catch (RuntimeException e) {
            abandon(w);
            fail(new SkeinException("could not write " + w + " to dead-letter topic " + deadLetterTopic + ": " + e, e));
        }
    }

    private void abandon(Work<ConsumerRecord<byte[], byte[]>> w) {
        Work<ConsumerRecord<byte[], byte[]>> next;
        lock.lock();
        try {
            next = scheduler.abandon(w);
            signalIfWaited();
        } finally {
            lock.unlock();
        }
        if (next != null) {
            dispatch(next); // the key of a record dropped by a going back moves on
        }
    }

    /** Ends the run with {@code t} (the first failure wins). */
    private void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) {
            log.error("the parallel processor stops: {}", t.toString());
        }
        stopping = true;
        consumer.wakeup();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Commits the commit points that moved, of {@code only} (or of every partition held). Synchronous
     * commits (revoke, close) wait; an interval commit is sent without waiting, one at a time.
     */
    private void commit(Collection<TopicPartition> only, boolean sync) {
        if (!sync && commitInFlight && System.nanoTime() - commitSentAt < TimeUnit.SECONDS.toNanos(30)) {
            return; // one interval commit at a time (one whose answer never came does not block for ever)
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        Map<TopicPartition, CommitPoint> points = new HashMap<>();
        // A synchronous commit skips only what the broker confirmed: an interval commit still in flight may fail.
        Map<TopicPartition, CommitPoint> known = sync ? confirmed : committed;
        lock.lock();
        try {
            for (TopicPartition tp : only != null ? only : scheduler.partitions()) {
                CommitPoint cp = scheduler.commitPoint(tp, metadataBudget.next(tp));
                if (cp != null && !cp.equals(known.get(tp))) {
                    offsets.put(tp, new OffsetAndMetadata(cp.offset(), cp.metadata(), cp.leaderEpoch()));
                    points.put(tp, cp);
                }
            }
        } finally {
            lock.unlock();
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            try {
                consumer.commitSync(offsets);
                committed.putAll(points);
                confirmed.putAll(points);
                metadataBudget.accepted(points.keySet());
            } catch (RuntimeException e) {
                log.warn("could not commit {}: {}", offsets.keySet(), e.toString());
                if (refusedMetadata(offsets.keySet(), e)) {
                    commit(offsets.keySet(), true); // plain now: the broker takes that
                }
            }
            return;
        }
        // Callbacks run inside poll(), on this thread.
        commitInFlight = true;
        commitSentAt = System.nanoTime();
        committed.putAll(points);
        try {
            consumer.commitAsync(offsets, (result, error) -> {
                commitInFlight = false;
                if (error != null) {
                    log.warn("commit of {} failed, trying again at the next interval: {}", offsets.keySet(), error.toString());
                    points.forEach((tp, cp) -> committed.remove(tp, cp));
                    commitSoon = refusedMetadata(offsets.keySet(), error);
                } else {
                    confirmed.putAll(points);
                    metadataBudget.accepted(points.keySet());
                }
            });
        } catch (RuntimeException e) {
            commitInFlight = false;
            points.forEach((tp, cp) -> committed.remove(tp, cp));
            log.warn("could not commit {}: {}", offsets.keySet(), e.toString());
        }
    }

    /**
     * True when the broker refused a commit of {@code tps} for its metadata (its
     * {@code offset.metadata.max.bytes} is below ours): they are committed next with the plain offset, and
     * with shorter metadata after that, instead of the same refusal at every interval.
     */
    private boolean refusedMetadata(Collection<TopicPartition> tps, Throwable error) {
        if (!MetadataBudget.tooLarge(error)) {
            return false;
        }
        metadataBudget.refused(tps);
        log.warn("the broker refused the commit metadata of {} as too long (offset.metadata.max.bytes): committing the"
                + " plain offset, and shorter metadata from now on (done records left out are run again after a"
                + " takeover)", tps);
        return true;
    }

    /** Waits, up to the drain timeout, for the running records of {@code tps} after letting their waiting ones go. */
    private void drain(Collection<TopicPartition> tps) {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        lock.lock();
        try {
            if (tps == null) {
                scheduler.stop();
            } else {
                scheduler.revoke(tps);
            }
            Collection<TopicPartition> of = tps == null ? scheduler.partitions() : tps;
            backingOff.entrySet().removeIf(e -> {
                if (of.contains(e.getKey().partition())) {
                    e.getValue().cancel(false);
                    scheduler.abandon(e.getKey());
                    return true;
                }
                return false;
            });
            long left;
            draining++;
            try {
                while (scheduler.running(of) > 0 && (left = deadline - System.nanoTime()) > 0) {
                    changed.awaitNanos(left);
                }
            } finally {
                draining--;
            }
            int still = scheduler.running(of);
            if (still > 0) {
                log.warn("{} record(s) of {} still running after {}; letting the partitions go without them",
                        still, of, drainTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void shutDown() {
        shuttingDown = true;
        drain(null);
        commit(null, true);
    }

    private final class Listener implements RebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> previous;
            try {
                previous = consumer.committed(new HashSet<>(partitions));
            } catch (RuntimeException e) {
                // Without them every record from the committed offset on runs again: more work, nothing skipped.
                log.warn("could not read the committed offsets of {}: {}", partitions, e.toString());
                previous = Map.of();
            }
            lock.lock();
            try {
                for (TopicPartition tp : partitions) {
                    OffsetAndMetadata om = previous.get(tp);
                    scheduler.assign(tp, om == null ? DoneOffsets.none(-1) : DoneOffsets.decode(om.offset(), om.metadata()));
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty() || shuttingDown) {
                return; // shutDown() drained and committed them all; this is the consumer's close
            }
            dropPending(partitions);
            drain(partitions);
            commit(partitions, true);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty() || shuttingDown) {
                return;
            }
            drain(partitions); // another member may own them already: no commit
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            lock.lock();
            try {
                scheduler.remove(partitions);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            partitions.forEach(committed::remove);
            partitions.forEach(confirmed::remove);
            dropPending(partitions);
        }

        private void dropPending(Collection<TopicPartition> partitions) {
            lock.lock();
            try {
                pending.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
                pendingCount = pending.size();
            } finally {
                lock.unlock();
            }
        }
    }

    private <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops: no record starts any more, the running ones are waited for up to the drain timeout, what
     * is done is committed, and the clients close. Safe from any thread and more than once. When
     * {@link #run} is running on another thread, it is {@code run} that commits and closes the clients
     * on its way out (the consumer is never closed under it): this waits for that, up to twice the drain
     * timeout and {@code default.api.timeout.ms} plus the clients' closes, and past that returns, leaving
     * the clients to {@code run}.
     */
    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (started.compareAndSet(false, true)) {
            closeClients(); // run() never started, and now never will
            return;
        }
        try {
            if (!clientsClosed.await(closeWait.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("the processing loop did not end within {}; it closes the clients when it does", closeWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the consumer, the dead-letter producer and what else the processor owns; once, by run() or close(). */
    private void closeClients() {
        try {
            consumer.close(CLIENTS_CLOSE);
        } finally {
            try {
                if (deadLetters != null) {
                    deadLetters.close(CLIENTS_CLOSE);
                }
            } finally {
                if (meters != null) {
                    meters.removeAll();
                }
                timer.shutdownNow();
                if (ownedExecutor != null) {
                    ownedExecutor.shutdown();
                }
                clientsClosed.countDown();
            }
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Options: the consumer's (group, bootstrap, security, ...), the input, and how records are run. */
    public static final class Builder<K, V> {
        private final Deserializer<K> keys;
        private final Deserializer<V> values;
        private final ConsumerBuilder<byte[], byte[]> consumer =
                Consumer.builder(Serdes.bytes().deserializer(), Serdes.bytes().deserializer());
        private Collection<String> topics;
        private Pattern pattern;
        private Ordering ordering = Ordering.KEY;
        private int maxInFlight = 1_000;
        private long maxInFlightBytes = 64L * 1024 * 1024;
        private Executor executor;
        private int maxAttempts = 3;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private String deadLetterTopic;
        private Duration commitInterval = Duration.ofSeconds(1);
        private Duration drainTimeout = Duration.ofSeconds(30);
        private MeterRegistry meterRegistry;
        private ObservationRegistry observationRegistry;

        private Builder(Deserializer<K> keys, Deserializer<V> values) {
            this.keys = Objects.requireNonNull(keys, "keys");
            this.values = Objects.requireNonNull(values, "values");
        }

        /** The consumer's options, wholesale (group, bootstrap, security, fetch sizes, group protocol...). */
        public Builder<K, V> options(ConsumerOptions options) {
            consumer.options(options);
            return this;
        }

        /** Changes the consumer's options. */
        public Builder<K, V> options(java.util.function.Consumer<ConsumerOptions.Builder> changes) {
            consumer.options(changes);
            return this;
        }

        public Builder<K, V> bootstrapServers(String servers) {
            consumer.bootstrapServers(servers);
            return this;
        }

        public Builder<K, V> groupId(String group) {
            consumer.groupId(group);
            return this;
        }

        /** Where a partition without a committed offset starts (the consumer's {@code auto.offset.reset}). */
        public Builder<K, V> offsetReset(OffsetReset reset) {
            consumer.offsetReset(reset);
            return this;
        }

        /** A consumer property by its standard name (a key the consumer does not take fails at {@link #build()}). */
        public Builder<K, V> property(String key, Object value) {
            consumer.property(key, value);
            return this;
        }

        public Builder<K, V> properties(Map<String, ?> props) {
            consumer.properties(props);
            return this;
        }

        public Builder<K, V> topics(Collection<String> topics) {
            this.topics = List.copyOf(topics);
            this.pattern = null;
            return this;
        }

        public Builder<K, V> topics(String... topics) {
            return topics(List.of(topics));
        }

        /** Subscribes to every topic whose name matches (as {@link Consumer#subscribe(Pattern, RebalanceListener)}). */
        public Builder<K, V> pattern(Pattern pattern) {
            this.pattern = Objects.requireNonNull(pattern, "pattern");
            this.topics = null;
            return this;
        }

        public Builder<K, V> ordering(Ordering ordering) {
            this.ordering = Objects.requireNonNull(ordering, "ordering");
            return this;
        }

        /**
         * Records running at most (or backing off before a retry), and records waiting behind their key
         * at most per partition (that partition's fetching pauses there). Default 1,000.
         */
        public Builder<K, V> maxInFlight(int records) {
            this.maxInFlight = records;
            return this;
        }

        /** As {@link #maxInFlight}, in bytes of keys and values. Default 64 MiB. */
        public Builder<K, V> maxInFlightBytes(long bytes) {
            this.maxInFlightBytes = bytes;
            return this;
        }

        /** Where handlers run; not shut down by the processor. Default: see {@link ParallelProcessor}. */
        public Builder<K, V> executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Runs of a failing record before it is dead-lettered (or the processor stops): {@code maxAttempts}
         * in all, waiting {@code initialBackoff}, doubling up to {@code maxBackoff}, in between. Default 3,
         * 100 ms, 10 s. 1 means no retry.
         */
        public Builder<K, V> retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
            this.maxAttempts = maxAttempts;
            this.initialBackoff = Objects.requireNonNull(initialBackoff, "initialBackoff");
            this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
            return this;
        }

        /**
         * Where records that keep failing go (written with an idempotent producer on the same cluster and
         * client options); without one (the default) such a record stops the processor.
         */
        public Builder<K, V> deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /** How often the done offsets are committed. Default 1 s. */
        public Builder<K, V> commitInterval(Duration interval) {
            this.commitInterval = Objects.requireNonNull(interval, "commitInterval");
            return this;
        }

        /** How long a revoke or {@link #close()} waits for running records. Default 30 s. */
        public Builder<K, V> drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "drainTimeout");
            return this;
        }

        public Builder<K, V> meterRegistry(MeterRegistry registry) {
            this.meterRegistry = registry;
            consumer.meterRegistry(registry);
            return this;
        }

        /**
         * Traces each record's handling: a {@value RecordTracing#PROCESS} observation per handler run, a
         * child of the trace in the record's headers ({@link RecordTracing}), in scope on the handler's
         * thread (so what the handler sends continues the trace) and, for {@link #runAsync}, stopped when
         * the stage completes. The consumer's own observations and the dead-letter producer's
         * {@code skein.send} use it too. Off by default, and free when off.
         */
        public Builder<K, V> observationRegistry(ObservationRegistry registry) {
            this.observationRegistry = registry;
            consumer.observationRegistry(registry);
            return this;
        }

        /** Checks the options (naming a bad one), then builds the consumer and, with a dead-letter topic, its producer. */
        public ParallelProcessor<K, V> build() {
            if ((topics == null || topics.isEmpty()) && pattern == null) {
                throw new IllegalArgumentException("topics: give the topics (or a pattern) to process");
            }
            requirePositive("maxInFlight", maxInFlight);
            requirePositive("maxInFlightBytes", maxInFlightBytes);
            requirePositive("retry maxAttempts", maxAttempts);
            requirePositive("commitInterval", commitInterval.toMillis());
            if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("retry: backoffs must be >= 0 with max >= initial, were "
                        + initialBackoff + " and " + maxBackoff);
            }
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must be >= 0, was " + drainTimeout);
            }
            if (deadLetterTopic != null && deadLetterTopic.isBlank()) {
                throw new IllegalArgumentException("deadLetterTopic must not be blank");
            }
            // The processor commits itself: what the consumer's delivery mode would commit is not what is done.
            consumer.delivery(Delivery.MANUAL).property("enable.auto.commit", false);
            ConsumerOptions options = consumer.options(); // validates, naming a bad key
            if (options.groupId() == null || options.groupId().isEmpty()) {
                throw new IllegalArgumentException("group.id is required: the processor commits for a group");
            }
            if (!options.interceptorClasses().isEmpty()) {
                // Its consumer reads bytes and deserializes on the handlers' threads: an interceptor would
                // see raw bytes where it expects the typed records.
                throw new dev.skein.core.errors.ConfigException("interceptor.classes",
                        "the parallel processor takes no consumer interceptors (its consumer reads raw bytes)");
            }
            if (options.clientIdGenerated()) {
                // The id just made, not the next of the sequence; taken back below (the builder is the user's,
                // and a second build() must make a new id, not reuse this one).
                consumer.clientId(options.client().clientId());
            }
            Producer<byte[], byte[]> producer = null;
            if (deadLetterTopic != null) {
                // The consumer's connection options. Without a client id set, the one made for the consumer
                // plus "-dlt": two clients of one processor under one id cannot be told apart.
                dev.skein.core.ClientOptions client = options.clientIdGenerated()
                        ? options.client().mutate().clientId(options.client().clientId() + "-dlt").build()
                        : options.client();
                producer = Producer.builder(Serdes.bytes().serializer(), Serdes.bytes().serializer())
                        .options(o -> o.client(client)).acks(Acks.ALL).idempotence(true)
                        .observationRegistry(observationRegistry).build();
            }
            ExecutorService owned = executor != null ? null : defaultExecutor(maxInFlight);
            Consumer<byte[], byte[]> c;
            try {
                c = consumer.build();
            } catch (RuntimeException e) {
                if (producer != null) {
                    producer.close(Duration.ZERO);
                }
                if (owned != null) {
                    owned.shutdown();
                }
                throw e;
            } finally {
                if (options.clientIdGenerated()) {
                    consumer.options(options); // its mutate() leaves the client id unset again
                }
            }
            return new ParallelProcessor<>(this, c, producer, owned, options.groupId(), options.maxPollRecords(),
                    options.defaultApiTimeout());
        }

        private static void requirePositive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, was " + value);
            }
        }

        /** Virtual threads where the JVM has them (21+), else a pool of daemon threads that shrinks when idle. */
        /**
         * The platform threads of the default pool: {@code min(maxInFlight, 256 × cpus, 1024)}. A thread per
         * record held is not free: every one that wakes from its handler's wait costs a context switch on a
         * machine whose CPUs it shares with all the others. On 2 CPUs, records that each sleep 5 ms ran at
         * 40,000 to 46,000 a second on 1,000 threads and at 52,000 to 57,000 on 400 to 512, with a quarter
         * less CPU per record (bench/README.md, "Parallel processing"). Virtual threads, where the JVM has
         * them, have no such cost.
         */
        static int defaultThreads(int maxInFlight, int cpus) {
            return Math.min(maxInFlight, Math.min(1024, 256 * Math.max(1, cpus)));
        }

        private static ExecutorService defaultExecutor(int maxInFlight) {
            try {
                return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                int threads = defaultThreads(maxInFlight, Runtime.getRuntime().availableProcessors());
                ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(), daemon("skein-parallel"));
                pool.allowCoreThreadTimeOut(true);
                return pool;
            }
        }
    }
}
