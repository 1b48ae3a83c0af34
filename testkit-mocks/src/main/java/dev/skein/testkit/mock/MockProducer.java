package dev.skein.testkit.mock;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.Header;
import dev.skein.core.Node;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.producer.Callback;
import dev.skein.producer.PartitionInfo;
import dev.skein.producer.Partitioner;
import dev.skein.producer.Partitioners;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.TransactionAbortedException;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serializer;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Producer} that keeps what is sent in memory, for unit tests of code that produces. Nothing
 * leaves the JVM.
 *
 * <pre>{@code
 * MockProducer<String, String> producer = MockProducer.builder(Serdes.string().serializer(), Serdes.string().serializer())
 *         .partitions("orders", 6)
 *         .build();
 * new OrderService(producer).place("customer-1", "two apples");
 * assertEquals(List.of(ProducerRecord.of("orders", "customer-1", "two apples").withPartition(3)), producer.history());
 * }</pre>
 *
 * <p>What it does as the real producer does: it runs the serializers (a failure fails the record's
 * future with a {@link SerializationException}); it picks the partition of a keyed record with the
 * configured {@link Partitioner} ({@link Partitioners#murmur2()} unless told otherwise, as
 * {@code ProducerOptions} has it) over the topic's partition count; a partition that does not exist
 * fails the record with {@link IllegalArgumentException}; offsets grow by one per acknowledged record
 * in each partition; a send after {@link #close()} fails with {@link IllegalStateException}; every
 * failure of {@code send} reaches the caller through the future (and the callback), never as a throw;
 * a transactional producer refuses calls out of order with the exception types the real one uses
 * ({@link IllegalStateException}, {@link TransactionAbortableException}, {@link ProducerFencedException}).
 *
 * <p>Where it differs: a topic's partition count is what {@link Builder#partitions} said, else
 * {@link Builder#defaultPartitions} (1 unless set); records without a key go to partition 0 of their
 * topic (the real producer's uniform sticky partitioner picks at random, which a test cannot predict);
 * nothing waits for metadata or memory. Records are acknowledged at once ({@link Builder#autoComplete},
 * the default) or when the test calls {@link #completeNext()} or {@link #errorNext}, in send order.
 * {@link #flush()}, {@code commitTransaction()} and {@link #close()} acknowledge the records still
 * pending, as a healthy broker would. Once a transaction cannot commit (a record of it failed, or
 * {@link #fence()}), the records still pending fail at once with the reason, as the real producer fails
 * what is queued (KIP-654).
 *
 * <p>Callbacks run before the future completes, one at a time and in send order, as on the real
 * producer's single callback thread, but on the thread that completes the record: the sending thread
 * when records complete at once. With several threads sending, a thread may run the callbacks of
 * records another thread sent before its own; a sender never waits for another thread's callback, so
 * its own record may still be completing, on that thread, when {@code send} returns. A record
 * {@code send} refuses fails on the sending thread, as in the real producer. A callback that sends
 * only queues that record: it completes after the callback returns.
 *
 * <p>Threading: thread-safe, as the real producer is.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class MockProducer<K, V> implements Producer<K, V> {
    private static final Node MOCK_BROKER = new Node(0, "mock", 9092, null);

    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final Partitioner partitioner;
    private final Map<String, Integer> partitionCounts;
    private final int defaultPartitions;
    private final boolean autoComplete;
    private final boolean transactional;
    private final Clock clock;

    private final List<ProducerRecord<K, V>> history = new ArrayList<>();
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    private final List<Transaction<K, V>> transactions = new ArrayList<>();
    /**
     * Held by the thread that takes records from {@link #pending} and completes them, so callbacks run one at
     * a time and in send order, as on the real producer's single callback thread; a callback keeps it while
     * it runs. Taken before this object's monitor, never while holding it. See {@link #settle()}.
     */
    private final ReentrantLock completing = new ReentrantLock();
    private boolean closed;
    private int flushes;

    // The transaction, with the states and rules of the real producer's (its producer README, "Transactions").
    private TxnState txnState = TxnState.UNINITIALIZED;
    private RuntimeException txnError;
    private List<ProducerRecord<K, V>> txnRecords = new ArrayList<>();
    private Map<String, Map<TopicPartition, OffsetAndMetadata>> txnOffsets = new LinkedHashMap<>();
    private RuntimeException nextCommitFailure;

    /** COMMITTING: a commit failed without an abortable or fatal error (it timed out) and must be called again. */
    private enum TxnState { UNINITIALIZED, READY, IN_TRANSACTION, COMMITTING, ABORTABLE_ERROR, FATAL_ERROR }

    private MockProducer(Builder<K, V> b) {
        this.keySerializer = b.keySerializer;
        this.valueSerializer = b.valueSerializer;
        this.partitioner = b.partitioner;
        this.partitionCounts = Map.copyOf(b.partitionCounts);
        this.defaultPartitions = b.defaultPartitions;
        this.autoComplete = b.autoComplete;
        this.transactional = b.transactional;
        this.clock = b.clock;
    }

    /** A builder for a mock producer with these serializers (they run on every send, as the real producer's do). */
    public static <K, V> Builder<K, V> builder(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        return new Builder<>(keySerializer, valueSerializer);
    }

    /**
     * A finished or aborted transaction: the records sent in it (with their partitions) and the
     * offsets {@code sendOffsetsToTransaction} put in it, by group id.
     */
    public record Transaction<K, V>(List<ProducerRecord<K, V>> records,
                                    Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets, boolean committed) {}

    /** A record sent and not yet acknowledged or failed. */
    private final class Pending {
        final ProducerRecord<K, V> record;
        final int partition;
        final long timestamp;
        final int keySize;
        final int valueSize;
        final Callback callback;
        final CompletableFuture<RecordMetadata> future;
        final boolean inTransaction;

        Pending(ProducerRecord<K, V> record, int partition, long timestamp, int keySize, int valueSize, Callback callback,
                CompletableFuture<RecordMetadata> future, boolean inTransaction) {
            this.record = record;
            this.partition = partition;
            this.timestamp = timestamp;
            this.keySize = keySize;
            this.valueSize = valueSize;
            this.callback = callback;
            this.future = future;
            this.inTransaction = inTransaction;
        }
    }

    // ---- Producer ----

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    @Override
    public CompletableFuture<RecordMetadata> trySend(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        Objects.requireNonNull(record, "record");
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        RuntimeException refused = null;
        synchronized (this) {
            try {
                accept(record, callback, future);
            } catch (RuntimeException e) {
                refused = e;
            }
        }
        if (refused != null) {
            // on the sending thread, as the real send() fails a record it refuses
            fail(callback, future, refused, record.topic(), record.partition() == null ? -1 : record.partition());
        }
        settle(); // auto-complete; and a refusal that made the transaction abortable fails what is queued
        return future;
    }

    /** What the real send path checks, in its order; throws what it would fail the record with. */
    private void accept(ProducerRecord<K, V> record, Callback callback, CompletableFuture<RecordMetadata> future) {
        if (closed) {
            throw new IllegalStateException("the producer is closed; cannot send to " + record.topic());
        }
        if (transactional) {
            checkSend();
        }
        List<Header> headers = new ArrayList<>(record.headers()); // serializers may add headers, as in the real one
        byte[] key;
        byte[] value;
        int partition;
        try {
            key = serialize(keySerializer, record.key(), record.topic(), SerdeContext.Target.KEY, headers);
            value = serialize(valueSerializer, record.value(), record.topic(), SerdeContext.Target.VALUE, headers);
            partition = partition(record, key);
        } catch (RuntimeException e) {
            // A record of the transaction that will never be written: the real producer (as Apache Kafka's
            // doSend) makes the transaction abortable, so it never commits without the record.
            if (transactional) {
                recordFailed(e);
            }
            throw e;
        }
        long timestamp = record.timestamp() != null ? record.timestamp() : clock.millis();
        ProducerRecord<K, V> sent = record.partition() == null ? record.withPartition(partition) : record;
        history.add(sent);
        if (transactional) {
            txnRecords.add(sent);
        }
        pending.add(new Pending(sent, partition, timestamp, key == null ? -1 : key.length, value == null ? -1 : value.length,
                callback, future, transactional));
    }

    private static <T> byte[] serialize(Serializer<T> s, T v, String topic, SerdeContext.Target target, List<Header> headers) {
        SerdeContext ctx = SerdeContext.forProducer(topic, target, headers);
        try {
            return s.serialize(v, ctx);
        } catch (SerializationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("serializer failed: " + e, ctx, null, e);
        }
    }

    private int partition(ProducerRecord<K, V> record, byte[] key) {
        int n = partitionCount(record.topic());
        if (record.partition() != null) {
            if (record.partition() >= n) {
                throw new IllegalArgumentException("partition " + record.partition() + " does not exist: " + record.topic()
                        + " has " + n + " partitions");
            }
            return record.partition();
        }
        if (key == null) {
            return 0;
        }
        int p = partitioner.partition(record.topic(), key, n);
        if (p < 0 || p >= n) {
            throw new IllegalStateException("the partitioner returned " + p + " for " + n + " partitions");
        }
        return p;
    }

    private int partitionCount(String topic) {
        return partitionCounts.getOrDefault(topic, defaultPartitions);
    }

    /** Acknowledges every pending record, then returns. */
    @Override
    public void flush() {
        synchronized (this) {
            flushes++;
        }
        completeAll();
    }

    @Override
    public List<PartitionInfo> partitionsFor(String topic) {
        Objects.requireNonNull(topic, "topic");
        List<PartitionInfo> out = new ArrayList<>();
        for (int p = 0; p < partitionCount(topic); p++) {
            out.add(new PartitionInfo(topic, p, MOCK_BROKER, List.of(MOCK_BROKER), List.of(MOCK_BROKER)));
        }
        return out;
    }

    @Override
    public void close() {
        close(Duration.ofDays(365));
    }

    /**
     * Closes as the real producer does: a transaction still open is aborted (its pending records fail),
     * one whose commit failed unfinished ({@link #failNextCommit}) is committed; a fenced producer writes
     * nothing more (its records failed at {@link #fence()}); other pending records are acknowledged.
     * Later sends fail with {@link IllegalStateException}.
     */
    @Override
    public void close(Duration timeout) {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        boolean abort;
        boolean commit;
        synchronized (this) {
            abort = txnState == TxnState.IN_TRANSACTION || txnState == TxnState.ABORTABLE_ERROR;
            commit = txnState == TxnState.COMMITTING;
        }
        if (abort) {
            endTransaction(false, "the producer was closed inside a transaction, which was aborted; this record was never written");
        } else {
            completeAll();
            if (commit) {
                synchronized (this) {
                    finish(true); // as the real close: a commit that timed out is finished by committing
                }
            }
        }
        synchronized (this) {
            closed = true;
        }
    }

    // ---- completing records ----

    /**
     * Acknowledges the oldest pending record: its offset is the next of its partition. (A record of a
     * transaction that can no longer commit is never pending: it failed when the transaction became
     * abortable or the producer was fenced.)
     *
     * @return false when no record was pending
     */
    public boolean completeNext() {
        completing.lock();
        try {
            return completeOne(true);
        } finally {
            release();
        }
    }

    /**
     * Fails the oldest pending record with {@code error}, as a broker's refusal would. Inside a
     * transaction this makes the transaction abortable, as in the real producer: the records still pending
     * fail at once with a {@link TransactionAbortableException} whose cause is the abortable error
     * (KIP-654), and the commit throws {@link TransactionAbortableException}.
     *
     * @return false when no record was pending
     */
    public boolean errorNext(RuntimeException error) {
        Objects.requireNonNull(error, "error");
        completing.lock();
        try {
            Pending p;
            synchronized (this) {
                p = pending.poll();
                if (p == null) {
                    return false;
                }
                if (p.inTransaction) {
                    recordFailed(error);
                }
            }
            fail(p.callback, p.future, error, p.record.topic(), p.partition);
            return true;
        } finally {
            release(); // fails the rest of an abortable transaction
        }
    }

    /** Acknowledges every pending record, in send order. */
    public void completeAll() {
        completing.lock();
        try {
            while (completeOne(true)) {
                // each callback runs outside the monitor
            }
        } finally {
            release();
        }
    }

    /**
     * Completes the oldest pending record; the caller holds {@link #completing}. A record of a transaction
     * that can no longer commit fails with the reason, as the real sender fails what is queued (KIP-654);
     * any other is acknowledged when {@code acknowledge}, else left pending.
     *
     * @return false when nothing was completed
     */
    private boolean completeOne(boolean acknowledge) {
        Pending p;
        RecordMetadata md = null;
        RuntimeException error;
        synchronized (this) {
            error = pending.isEmpty() ? null : cannotCommitRecord();
            if (error == null && !acknowledge) {
                return false;
            }
            p = pending.poll();
            if (p == null) {
                return false;
            }
            if (error == null) {
                TopicPartition tp = new TopicPartition(p.record.topic(), p.partition);
                long offset = nextOffset.merge(tp, 1L, Long::sum) - 1;
                md = new RecordMetadata(tp.topic(), tp.partition(), offset, p.timestamp, p.keySize, p.valueSize);
            }
        }
        if (error != null) {
            fail(p.callback, p.future, error, p.record.topic(), p.partition);
            return true;
        }
        if (p.callback != null) {
            runCallback(p.callback, md, null);
        }
        p.future.complete(md);
        return true;
    }

    /**
     * Completes, without waiting, what is due: every pending record with auto-complete, those of a
     * transaction that can no longer commit always. When another thread holds {@link #completing} it is
     * left to that thread, which looks again after letting go. The interleaving: sender B queues its
     * record, then fails to take the lock because A holds it; A unlocks after B's attempt, so A's next
     * {@link #due()} sees B's record and A takes the lock again (or a third thread does, and looks again in
     * turn). Nothing is left behind, no sender waits for another's callback, and a callback that sends only
     * queues its record, completed after the callback returns.
     */
    private void settle() {
        while (!completing.isHeldByCurrentThread() && due() && completing.tryLock()) {
            try {
                while (completeOne(autoComplete)) {
                    // in send order
                }
            } finally {
                completing.unlock();
            }
        }
    }

    /** Lets go of {@link #completing} after a completion the test asked for, then completes what became due. */
    private void release() {
        completing.unlock();
        settle();
    }

    private synchronized boolean due() {
        return !pending.isEmpty() && (autoComplete || txnState == TxnState.ABORTABLE_ERROR || txnState == TxnState.FATAL_ERROR);
    }

    /** Why a pending record of the transaction can no longer be written (as the real Sender.failUndrained), or null. */
    private RuntimeException cannotCommitRecord() {
        if (txnState == TxnState.ABORTABLE_ERROR) {
            return new TransactionAbortableException("the transaction cannot commit and this record was never written: "
                    + txnError.getMessage(), txnError);
        }
        return txnState == TxnState.FATAL_ERROR ? txnError : null;
    }

    /** A record of the open transaction was not written: the transaction can only be aborted now. */
    private void recordFailed(RuntimeException cause) {
        if (txnState == TxnState.IN_TRANSACTION || txnState == TxnState.COMMITTING) {
            txnError = new TransactionAbortableException("a record of the transaction was not written: "
                    + cause.getMessage(), cause);
            txnState = TxnState.ABORTABLE_ERROR;
        }
    }

    /** As the real producer: the callback gets the topic and partition (-1 if none was chosen), -1 for the rest. */
    private static void fail(Callback callback, CompletableFuture<RecordMetadata> future, RuntimeException e,
                             String topic, int partition) {
        if (callback != null) {
            runCallback(callback, new RecordMetadata(topic, partition, -1, -1, -1, -1), e);
        }
        future.completeExceptionally(e);
    }

    /** A callback that throws does not stop the others, as in the real producer (which logs it). */
    private static void runCallback(Callback cb, RecordMetadata md, Exception e) {
        try {
            cb.onCompletion(md, e);
        } catch (RuntimeException ex) {
            System.getLogger(MockProducer.class.getName()).log(System.Logger.Level.WARNING, "a producer callback threw", ex);
        }
    }

    // ---- what the test inspects ----

    /**
     * Every record accepted by {@code send}, in send order, with the partition the producer chose filled in
     * (records refused before that, by a serializer or a closed producer, are not in it).
     */
    public synchronized List<ProducerRecord<K, V>> history() {
        return List.copyOf(history);
    }

    /** How many records are sent and neither acknowledged nor failed yet. */
    public synchronized int pendingCount() {
        return pending.size();
    }

    /** The transactions committed or aborted so far, oldest first. */
    public synchronized List<Transaction<K, V>> transactions() {
        return List.copyOf(transactions);
    }

    /** True between {@code beginTransaction()} and the end of its commit or abort. */
    public synchronized boolean transactionInFlight() {
        return txnState == TxnState.IN_TRANSACTION || txnState == TxnState.COMMITTING
                || txnState == TxnState.ABORTABLE_ERROR;
    }

    /** True once {@code initTransactions()} has succeeded. */
    public synchronized boolean transactionsInitialized() {
        return txnState != TxnState.UNINITIALIZED;
    }

    /** How many times {@link #flush()} was called. */
    public synchronized int flushCount() {
        return flushes;
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Forgets the history and the finished transactions (not the offsets already given out). */
    public synchronized void clear() {
        history.clear();
        transactions.clear();
    }

    // ---- transactions ----

    /**
     * Fences this producer, as a newer instance with the same transactional id does: the records still
     * pending fail at once with {@link ProducerFencedException} (nothing more is written), and every later
     * call of a transaction method (and every send) fails with it; it is final.
     */
    public void fence() {
        synchronized (this) {
            requireTransactional();
            txnError = new ProducerFencedException("this producer was fenced by a newer instance with the same transactional id",
                    ErrorCode.PRODUCER_FENCED);
            txnState = TxnState.FATAL_ERROR;
        }
        settle();
    }

    /**
     * The next {@code commitTransaction()} throws {@code error} instead of committing: a
     * {@link TransactionAbortableException} leaves the transaction to abort, a {@link ProducerFencedException}
     * fences the producer, anything else is a commit that did not finish (a retriable
     * {@code TimeoutException}, say): as in the real producer, only calling {@code commitTransaction()}
     * again finishes it (and commits); an abort, a begin, offsets and sends are refused with
     * {@link IllegalStateException} until then, since the commit may have reached the coordinator, and
     * {@code close()} commits it.
     */
    public synchronized void failNextCommit(RuntimeException error) {
        this.nextCommitFailure = Objects.requireNonNull(error, "error");
    }

    @Override
    public void initTransactions() {
        synchronized (this) {
            requireTransactionApi();
            if (txnState != TxnState.UNINITIALIZED) {
                throw new IllegalStateException("initTransactions() was already called (state " + txnState + ")");
            }
            txnState = TxnState.READY;
        }
    }

    @Override
    public synchronized void beginTransaction() {
        requireTransactionApi();
        if (txnState != TxnState.READY) {
            throw new IllegalStateException("beginTransaction() needs a finished previous transaction and"
                    + " initTransactions() (state " + txnState + ")");
        }
        txnState = TxnState.IN_TRANSACTION;
        txnRecords = new ArrayList<>();
        txnOffsets = new LinkedHashMap<>();
    }

    @Override
    public synchronized void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        Objects.requireNonNull(group, "group");
        requireTransactionApi();
        if (offsets.isEmpty()) {
            return;
        }
        checkSend();
        txnOffsets.computeIfAbsent(group.groupId(), g -> new LinkedHashMap<>()).putAll(offsets);
    }

    @Override
    public void commitTransaction() {
        synchronized (this) {
            requireTransactionApi();
            requireOpenTransaction("commitTransaction()");
            if (txnState == TxnState.ABORTABLE_ERROR) {
                throw cannotCommit();
            }
        }
        completeAll(); // the real commit flushes first: every record of the transaction is acknowledged
        synchronized (this) {
            if (txnState == TxnState.ABORTABLE_ERROR) { // a record failed while the commit waited for it
                throw cannotCommit();
            }
            RuntimeException injected = nextCommitFailure;
            if (injected != null) {
                nextCommitFailure = null;
                if (injected instanceof TransactionAbortableException) {
                    txnError = injected;
                    txnState = TxnState.ABORTABLE_ERROR;
                } else if (injected instanceof ProducerFencedException) {
                    txnError = injected;
                    txnState = TxnState.FATAL_ERROR;
                } else {
                    txnState = TxnState.COMMITTING;
                }
                throw injected;
            }
            finish(true);
        }
    }

    @Override
    public void abortTransaction() {
        synchronized (this) {
            requireTransactionApi();
            requireOpenTransaction("abortTransaction()");
            if (txnState == TxnState.COMMITTING) {
                throw new IllegalStateException("abortTransaction() cannot follow commitTransaction(), which did not"
                        + " finish (it may have reached the coordinator): call commitTransaction() again");
            }
        }
        endTransaction(false, "the transaction was aborted; this record was never written");
    }

    /** Aborts: records still pending fail as never written (the real abort drops what was not sent). */
    private void endTransaction(boolean commit, String why) {
        completing.lock();
        try {
            List<Pending> dropped;
            synchronized (this) {
                dropped = new ArrayList<>(pending);
                pending.clear();
                finish(commit);
            }
            for (Pending p : dropped) {
                fail(p.callback, p.future, new TransactionAbortedException(why), p.record.topic(), p.partition); // KIP-654
            }
        } finally {
            release();
        }
    }

    private void finish(boolean committed) {
        Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = new LinkedHashMap<>();
        txnOffsets.forEach((g, o) -> offsets.put(g, Map.copyOf(o)));
        transactions.add(new Transaction<>(List.copyOf(txnRecords), Map.copyOf(offsets), committed));
        txnRecords = new ArrayList<>();
        txnOffsets = new LinkedHashMap<>();
        txnError = null;
        txnState = TxnState.READY;
    }

    private TransactionAbortableException cannotCommit() {
        return new TransactionAbortableException("the transaction cannot commit: " + txnError.getMessage() + "; abort it",
                txnError);
    }

    /** The real producer's check before a record or offsets join the transaction. */
    private void checkSend() {
        requireUsable();
        if (txnState == TxnState.ABORTABLE_ERROR) {
            throw new TransactionAbortableException("the transaction must be aborted: " + txnError.getMessage(), txnError);
        }
        if (txnState != TxnState.IN_TRANSACTION) {
            throw new IllegalStateException("a transactional producer sends inside a transaction: call"
                    + " beginTransaction() first (state " + txnState + ")");
        }
    }

    private void requireOpenTransaction(String call) {
        if (txnState != TxnState.IN_TRANSACTION && txnState != TxnState.COMMITTING && txnState != TxnState.ABORTABLE_ERROR) {
            throw new IllegalStateException(call + " needs an open transaction (state " + txnState + ")");
        }
    }

    private void requireTransactionApi() {
        if (closed) {
            throw new IllegalStateException("the producer is closed");
        }
        requireTransactional();
        requireUsable();
    }

    private void requireTransactional() {
        if (!transactional) {
            throw new IllegalStateException("transactions need transactional.id, and this producer has none");
        }
    }

    private void requireUsable() {
        if (txnState == TxnState.FATAL_ERROR) {
            throw txnError;
        }
    }

    /**
     * Configures a {@link MockProducer}. Defaults: records acknowledged at once, {@link Partitioners#murmur2()},
     * one partition per topic not named in {@link #partitions}, not transactional, the system clock for
     * timestamps.
     */
    public static final class Builder<K, V> {
        private final Serializer<K> keySerializer;
        private final Serializer<V> valueSerializer;
        private Partitioner partitioner = Partitioners.murmur2();
        private final Map<String, Integer> partitionCounts = new HashMap<>();
        private int defaultPartitions = 1;
        private boolean autoComplete = true;
        private boolean transactional;
        private Clock clock = Clock.systemUTC();

        private Builder(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
            this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
            this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
        }

        /** The partitioner for keyed records without a partition, as {@code ProducerBuilder.partitioner}. */
        public Builder<K, V> partitioner(Partitioner p) {
            this.partitioner = Objects.requireNonNull(p, "partitioner");
            return this;
        }

        /** {@code topic} has {@code count} partitions (at least 1). */
        public Builder<K, V> partitions(String topic, int count) {
            Objects.requireNonNull(topic, "topic");
            if (count < 1) {
                throw new IllegalArgumentException("a topic has at least 1 partition, was " + count);
            }
            partitionCounts.put(topic, count);
            return this;
        }

        /** The partition count of every topic not named in {@link #partitions}; default 1. */
        public Builder<K, V> defaultPartitions(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a topic has at least 1 partition, was " + count);
            }
            this.defaultPartitions = count;
            return this;
        }

        /**
         * True (the default): each record is acknowledged as it is sent. False: records stay pending until
         * {@link MockProducer#completeNext()}, {@link MockProducer#errorNext}, a flush, a commit or close.
         */
        public Builder<K, V> autoComplete(boolean autoComplete) {
            this.autoComplete = autoComplete;
            return this;
        }

        /** Makes the producer transactional, as {@code ProducerBuilder.transactionalId} does. */
        public Builder<K, V> transactional(boolean transactional) {
            this.transactional = transactional;
            return this;
        }

        /** The clock for the timestamps of records sent without one. */
        public Builder<K, V> clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public MockProducer<K, V> build() {
            return new MockProducer<>(this);
        }
    }
}
