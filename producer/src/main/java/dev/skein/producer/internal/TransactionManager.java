package dev.skein.producer.internal;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.ProducerFencedException;
import dev.skein.core.SkeinException;
import dev.skein.core.TimeoutException;
import dev.skein.core.TransactionException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Retry;
import dev.skein.core.message.AddOffsetsToTxnRequest;
import dev.skein.core.message.AddOffsetsToTxnResponse;
import dev.skein.core.message.AddPartitionsToTxnRequest;
import dev.skein.core.message.AddPartitionsToTxnResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.EndTxnRequest;
import dev.skein.core.message.EndTxnResponse;
import dev.skein.core.message.InitProducerIdRequest;
import dev.skein.core.message.InitProducerIdResponse;
import dev.skein.core.message.TxnOffsetCommitRequest;
import dev.skein.core.message.TxnOffsetCommitResponse;
import dev.skein.producer.TransactionAbortableException;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The transactional producer's state machine (one per producer, on the sender's event loop).
 *
 * <p>Transactions version 2 (KIP-890, finalized in the cluster's {@code transaction.version} feature):
 * partitions and offsets join the transaction implicitly through Produce and TxnOffsetCommit, and
 * EndTxn bumps the producer epoch each time. Version 1: AddPartitionsToTxn before a partition's first
 * batch, AddOffsetsToTxn before TxnOffsetCommit, and an epoch bump through InitProducerId only after
 * an abort that left sequence numbers out of step.
 *
 * <p>Errors are sorted by what the application must do: fatal (fenced by a newer instance or, the
 * same answer, by the coordinator ending a transaction older than {@code transaction.timeout.ms}; not
 * authorized: close the producer), or abortable ({@link TransactionAbortableException}: abort, rewind,
 * retry).
 */
final class TransactionManager {
    private static final Logger log = LoggerFactory.getLogger(TransactionManager.class);

    private final String transactionalId;
    private final ProducerSettings settings;
    private final ClusterClient client;
    private final IdempotenceManager idempotence;
    private final EventLoop loop;
    private final Runnable wakeSender;
    /** True while records of the transaction are queued or in flight. */
    private final java.util.function.BooleanSupplier recordsPending;
    /** Fails every batch not yet sent (never written) with the given error. */
    private final java.util.function.Consumer<RuntimeException> failUnsent;
    /** The state and its rules (no I/O); this class sends the requests around it. */
    private final TxnState state;
    private boolean v2;
    private final Set<TopicPartition> added = new HashSet<>();
    private final Set<TopicPartition> pendingAdd = new LinkedHashSet<>();
    private boolean addInFlight;
    /** AddPartitionsToTxn is retried after its backoff, not at the sender's next pass. */
    private long addRetryNotBefore;
    private final Coordinators coordinators;
    private final Retrying retrying;

    TransactionManager(ProducerSettings settings, ClusterClient client, IdempotenceManager idempotence, EventLoop loop,
                       Runnable wakeSender, java.util.function.BooleanSupplier recordsPending,
                       java.util.function.Consumer<RuntimeException> failUnsent) {
        this.transactionalId = settings.transactionalId();
        this.settings = settings;
        this.client = client;
        this.idempotence = idempotence;
        this.loop = loop;
        this.wakeSender = wakeSender;
        this.recordsPending = recordsPending;
        this.failUnsent = failUnsent;
        this.state = new TxnState(transactionalId);
        this.coordinators = new Coordinators(client, transactionalId);
        this.retrying = new Retrying(loop, settings.maxBlock(), settings.client().retryBackoff(), coordinators);
    }

    /** True between beginTransaction() and the end of commit or abort. */
    boolean inTransaction() {
        return state.inTransaction();
    }

    TxnState.State state() {
        return state.state();
    }

    String transactionalId() {
        return transactionalId;
    }

    /** The error that put the producer in an abortable or fatal state, or null. */
    RuntimeException error() {
        return state.error();
    }

    // ---- the application's calls (any thread; the work runs on the loop) ----

    CompletableFuture<Void> initTransactions() {
        return onLoop(() -> {
            state.startInit();
            return retrying.run("InitProducerId for transactional id " + transactionalId, this::initOnce)
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            onLoopError(e);
                            state.initFailed(); // unless fatal, the application may call it again
                        }
                    });
        });
    }

    private CompletableFuture<Void> initOnce() {
        return coordinators.transaction().thenCompose(node -> detectVersion(node).thenCompose(x -> client.<InitProducerIdResponse>send(node,
                ApiKey.INIT_PRODUCER_ID, v -> new InitProducerIdRequest().setTransactionalId(transactionalId)
                        .setTransactionTimeoutMs((int) settings.transactionTimeout().toMillis())
                        .setProducerId(-1).setProducerEpoch((short) -1))).thenAccept(r -> {
                            check(TxnErrors.Api.INIT_PRODUCER_ID, ErrorCode.forCode(r.errorCode()), "InitProducerId");
                            idempotence.onInitialized(r.producerId(), r.producerEpoch());
                            state.initialized();
                            log.info("transactional id {}: producer id {} epoch {} (transactions version {})", transactionalId,
                                    r.producerId(), r.producerEpoch(), v2 ? 2 : 1);
                        }));
    }

    /**
     * Transactions version 2 when the cluster finalized it and the coordinator speaks EndTxn v5, as the
     * connection's ApiVersions handshake reported.
     */
    private CompletableFuture<Void> detectVersion(int node) {
        return client.versions(node).thenAccept(versions -> v2 = versions.finalizedFeature("transaction.version") >= 2
                && versions.brokerMax(ApiKey.END_TXN) >= 5);
    }

    void beginTransaction() {
        state.begin();
    }

    /** Checks a record may be sent now; called by send(). */
    void checkSend() {
        state.checkSend();
    }

    CompletableFuture<Void> sendOffsets(Map<dev.skein.core.TopicPartition, Long> offsets, ConsumerGroupMetadata group) {
        return onLoop(() -> {
            state.checkSend();
            CompletableFuture<Void> added = v2 ? CompletableFuture.completedFuture(null)
                    : retrying.run("AddOffsetsToTxn for group " + group.groupId(), () -> coordinators.transaction().thenCompose(node ->
                            client.<AddOffsetsToTxnResponse>send(node, ApiKey.ADD_OFFSETS_TO_TXN, v -> new AddOffsetsToTxnRequest()
                                    .setTransactionalId(transactionalId).setProducerId(idempotence.producerId())
                                    .setProducerEpoch(idempotence.epoch()).setGroupId(group.groupId())))
                            .thenAccept(r -> check(TxnErrors.Api.ADD_OFFSETS, ErrorCode.forCode(r.errorCode()),
                                    "AddOffsetsToTxn")));
            // Something joined the transaction at the coordinator (v1: the group, once AddOffsetsToTxn
            // succeeded; v2: TxnOffsetCommit adds it): from here EndTxn is due. On the loop: Retrying and
            // a completed future both complete there.
            return added.thenCompose(x -> {
                state.joined(System.nanoTime());
                return retrying.run("TxnOffsetCommit for group " + group.groupId(), () -> commitOffsetsOnce(offsets, group));
            }).whenComplete((v, e) -> {
                Throwable c = cause(e);
                if (c instanceof TimeoutException t && t.isRetriable() && state.state() == TxnState.State.IN_TRANSACTION) {
                    // The offsets may or may not have joined: a commit now could commit the records
                    // without the input they came from (KAFKA-19176 makes this abortable too).
                    onLoopError(new TransactionAbortableException("the offsets of group " + group.groupId()
                            + " did not join the transaction of " + transactionalId + " within max.block.ms: "
                            + c.getMessage() + "; abort the transaction", c));
                } else {
                    onLoopError(e);
                }
            });
        });
    }

    private CompletableFuture<Void> commitOffsetsOnce(Map<dev.skein.core.TopicPartition, Long> offsets,
                                                      ConsumerGroupMetadata group) {
        return coordinators.group(group.groupId()).thenCompose(node -> client.<TxnOffsetCommitResponse>send(node,
                ApiKey.TXN_OFFSET_COMMIT, v2 ? Short.MAX_VALUE : 4, v -> {
                    Map<String, TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic> topics = new LinkedHashMap<>();
                    offsets.forEach((tp, o) -> topics.computeIfAbsent(tp.topic(), t -> new TxnOffsetCommitRequest
                            .TxnOffsetCommitRequestTopic().setName(t).setPartitions(new ArrayList<>())).partitions()
                            .add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                                    .setCommittedOffset(o).setCommittedLeaderEpoch(-1).setCommittedMetadata("")));
                    TxnOffsetCommitRequest r = new TxnOffsetCommitRequest().setTransactionalId(transactionalId)
                            .setGroupId(group.groupId()).setProducerId(idempotence.producerId())
                            .setProducerEpoch(idempotence.epoch()).setTopics(new ArrayList<>(topics.values()));
                    if (v >= 3) { // KIP-447: the coordinator fences a zombie consumer by its generation
                        r.setGenerationId(group.generationId()).setMemberId(group.memberId())
                                .setGroupInstanceId(group.groupInstanceId());
                    }
                    return r;
                })).thenAccept(r -> {
                    for (TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic t : r.topics()) {
                        for (TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition p : t.partitions()) {
                            ErrorCode code = ErrorCode.forCode(p.errorCode());
                            if (TxnErrors.classify(TxnErrors.Api.TXN_OFFSET_COMMIT, code)
                                    == TxnErrors.Outcome.REFIND_COORDINATOR) {
                                coordinators.groupMoved(group.groupId());
                            }
                            if (code == ErrorCode.UNKNOWN_MEMBER_ID || code == ErrorCode.ILLEGAL_GENERATION
                                    || code == ErrorCode.FENCED_INSTANCE_ID) {
                                throw new TransactionAbortableException("the offsets of " + t.name() + "-" + p.partitionIndex()
                                        + " cannot join the transaction: group " + group.groupId() + " has rebalanced since"
                                        + " the records were read (" + code + "); abort and read again", null);
                            }
                            check(TxnErrors.Api.TXN_OFFSET_COMMIT, code, "TxnOffsetCommit of " + t.name() + "-"
                                    + p.partitionIndex());
                        }
                    }
                });
    }

    /** See {@link TxnState#requireEndMayStart}: a timed-out commit is finished by committing again, and so on. */
    void requireEndMayStart(boolean commit) {
        state.requireEndMayStart(commit);
    }

    /** Commit (true) or abort: EndTxn, when anything joined the transaction at the coordinator. */
    CompletableFuture<Void> endTransaction(boolean commit) {
        return onLoop(() -> {
            if (!state.startEnd(commit)) {
                finishTransaction(); // nothing had joined: nothing to end at the coordinator
                return CompletableFuture.completedFuture(null);
            }
            // EndTxn goes out only when nothing of the transaction is queued or in flight: a record
            // still on its way would otherwise land in the next transaction, or in none.
            return whenRecordsSettled(commit ? "commitTransaction()" : "abortTransaction()")
                    .thenCompose(x -> {
                        if (commit) {
                            state.requireCommittable(); // a record failed while the commit waited for the others
                        }
                        return retrying.run("EndTxn (" + (commit ? "commit" : "abort") + ") for " + transactionalId,
                                () -> endOnce(commit));
                    }).thenCompose(x -> !commit && !v2 && idempotence.isBumpNeeded()
                            ? retrying.run("InitProducerId (epoch bump) for " + transactionalId, this::bumpOnce)
                            : CompletableFuture.completedFuture(null))
                    .whenComplete((v, e) -> {
                        if (e == null) {
                            finishTransaction();
                        } else {
                            onLoopError(e);
                        }
                    });
        });
    }

    /** Completes on the loop once no record is queued or in flight, or fails after max.block.ms. */
    private CompletableFuture<Void> whenRecordsSettled(String what) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        long deadline = System.nanoTime() + settings.maxBlock().toNanos();
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (!recordsPending.getAsBoolean()) {
                    out.complete(null);
                } else if (System.nanoTime() > deadline) {
                    out.completeExceptionally(new TimeoutException(what + ": records of the transaction were still"
                            + " queued or in flight after max.block.ms (" + settings.maxBlock().toMillis() + " ms)", null, true));
                } else {
                    loop.schedule(this, 5, TimeUnit.MILLISECONDS);
                }
            }
        };
        check.run();
        return out;
    }

    private CompletableFuture<Void> endOnce(boolean commit) {
        return coordinators.transaction().thenCompose(node -> client.<EndTxnResponse>send(node, ApiKey.END_TXN, v2 ? Short.MAX_VALUE : 4,
                v -> new EndTxnRequest()
                .setTransactionalId(transactionalId).setProducerId(idempotence.producerId())
                .setProducerEpoch(idempotence.epoch()).setCommitted(commit))).thenAccept(r -> {
                    check(commit ? TxnErrors.Api.END_TXN_COMMIT : TxnErrors.Api.END_TXN_ABORT,
                            ErrorCode.forCode(r.errorCode()), "EndTxn");
                    if (r.producerEpoch() >= 0 && r.producerEpoch() != idempotence.epoch()) {
                        idempotence.onInitialized(r.producerId(), r.producerEpoch()); // version 2: a new epoch each time
                    }
                });
    }

    /** Version 1 after an abort that left sequences out of step: InitProducerId with our id bumps the epoch (KIP-360). */
    private CompletableFuture<Void> bumpOnce() {
        return coordinators.transaction().thenCompose(node -> client.<InitProducerIdResponse>send(node, ApiKey.INIT_PRODUCER_ID,
                v -> new InitProducerIdRequest().setTransactionalId(transactionalId)
                        .setTransactionTimeoutMs((int) settings.transactionTimeout().toMillis())
                        .setProducerId(idempotence.producerId()).setProducerEpoch(idempotence.epoch()))).thenAccept(r -> {
                            check(TxnErrors.Api.INIT_PRODUCER_ID, ErrorCode.forCode(r.errorCode()), "InitProducerId");
                            idempotence.onInitialized(r.producerId(), r.producerEpoch());
                        });
    }

    private void finishTransaction() {
        added.clear();
        pendingAdd.clear();
        state.finished();
        wakeSender.run();
    }

    // ---- the sender's hooks (on the loop) ----

    /** Why the open transaction can no longer commit (an abortable or fatal error), or null. */
    RuntimeException cannotCommit() {
        return state.cannotCommit();
    }

    /** True when batches may be drained now (inside a transaction, not aborting, not in error). */
    boolean maySend() {
        return state.maySend();
    }

    /**
     * True when {@code tp} may get a batch now: version 2 adds it implicitly (Produce does), version 1
     * needs AddPartitionsToTxn first (queued here and sent by {@link #sendPendingAdds()}).
     */
    boolean partitionReady(TopicPartition tp) {
        if (v2 || added.contains(tp)) {
            if (!added.contains(tp)) {
                added.add(tp);
                state.joined(System.nanoTime());
            }
            return true;
        }
        pendingAdd.add(tp);
        return false;
    }

    void sendPendingAdds() {
        if (v2 || addInFlight || pendingAdd.isEmpty() || !maySend() || System.nanoTime() < addRetryNotBefore) {
            return;
        }
        addInFlight = true;
        List<TopicPartition> adding = new ArrayList<>(pendingAdd);
        coordinators.transaction().thenCompose(node -> client.<AddPartitionsToTxnResponse>send(node, ApiKey.ADD_PARTITIONS_TO_TXN, 3, v -> {
            // v4+ batches transactions for brokers; a client speaks v3 at most
            Map<String, AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics = new LinkedHashMap<>();
            adding.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic()
                    .setName(t).setPartitions(new ArrayList<>())).partitions().add(tp.partition()));
            return new AddPartitionsToTxnRequest().setV3AndBelowTransactionalId(transactionalId)
                    .setV3AndBelowProducerId(idempotence.producerId()).setV3AndBelowProducerEpoch(idempotence.epoch())
                    .setV3AndBelowTopics(new ArrayList<>(topics.values()));
        })).whenComplete((r, e) -> loop.execute(() -> {
            addInFlight = false;
            Throwable cause = cause(e);
            ErrorCode worst = ErrorCode.NONE;
            TxnErrors.Outcome outcome = TxnErrors.Outcome.IGNORE;
            if (cause == null) {
                AddPartitionsAnswer answer = AddPartitionsAnswer.of(r);
                for (TopicPartition tp : answer.joined()) {
                    added.add(tp);
                    pendingAdd.remove(tp);
                    state.joined(System.nanoTime()); // a partition joined: EndTxn is due from here
                }
                worst = answer.worst(); // the gravest refusal decides
                outcome = answer.outcome();
            } else if (cause instanceof SkeinException s && s.isRetriable()) {
                outcome = TxnErrors.Outcome.REFIND_COORDINATOR; // no answer: the coordinator may have moved
            } else {
                onLoopError(cause instanceof RuntimeException re && !(cause instanceof TransactionAbortableException)
                        ? re : new SkeinException("AddPartitionsToTxn for " + transactionalId + " failed", cause));
                wakeSender.run();
                return;
            }
            switch (outcome) {
                case IGNORE -> { }
                case RETRY, REFIND_COORDINATOR -> {
                    if (outcome == TxnErrors.Outcome.REFIND_COORDINATOR) {
                        coordinators.transactionMoved();
                    }
                    // After the backoff, not at the next pass: a coordinator finishing the previous
                    // transaction answers CONCURRENT_TRANSACTIONS until it is done.
                    long backoff = settings.client().retryBackoff().toNanos();
                    addRetryNotBefore = System.nanoTime() + backoff;
                    loop.schedule(wakeSender, backoff, TimeUnit.NANOSECONDS);
                    return;
                }
                default -> onLoopError(classify(TxnErrors.Api.ADD_PARTITIONS, worst, "AddPartitionsToTxn"));
            }
            wakeSender.run();
        }));
    }

    /** A batch of this transaction failed for good: the transaction can no longer commit. */
    void onBatchFailed(RuntimeException e) {
        if (state.state() == TxnState.State.FATAL_ERROR) {
            return;
        }
        ErrorCode code = e instanceof SkeinException s && s.errorCode() != null ? s.errorCode() : null;
        TxnErrors.Outcome outcome = code == null ? TxnErrors.Outcome.ABORTABLE : TxnErrors.classify(TxnErrors.Api.PRODUCE, code);
        if (outcome != TxnErrors.Outcome.ABORTABLE) {
            onLoopError(classify(TxnErrors.Api.PRODUCE, code, "Produce"));
            return;
        }
        state.recordFailed(e);
    }

    // ---- errors ----

    private void check(TxnErrors.Api api, ErrorCode code, String what) {
        if (TxnErrors.classify(api, code) != TxnErrors.Outcome.IGNORE) {
            throw classify(api, code, what);
        }
    }

    /**
     * The exception for an error the table in {@link TxnErrors} sorted: the retriable ones as is (and
     * retried by {@link Retrying}), the others by what the application must do.
     */
    private RuntimeException classify(TxnErrors.Api api, ErrorCode code, String what) {
        String where = what + " for transactional id " + transactionalId;
        TxnErrors.Outcome outcome = TxnErrors.classify(api, code);
        // A fence is final even when the transaction outlived transaction.timeout.ms (the coordinator then
        // aborts it and bumps the epoch, and what comes back looks the same): a zombie fenced by a newer
        // instance has, more often than not, an old transaction too, and re-initializing would fence the
        // newer one. Apache Kafka's producer keeps it fatal as well. The age only goes into the message.
        String age = state.olderThan(System.nanoTime(), settings.transactionTimeout().toNanos()) ? "; this transaction is older than transaction.timeout.ms ("
                + settings.transactionTimeout().toMillis() + " ms), so the coordinator may have aborted it for its age" : "";
        switch (outcome) {
            case REFIND_COORDINATOR -> {
                if (api != TxnErrors.Api.TXN_OFFSET_COMMIT) {
                    coordinators.transactionMoved();
                }
                return code.isRetriable() ? code.exception(where) : new SkeinException(where + ": " + code, null, true);
            }
            case RETRY, IGNORE -> {
                return code.isRetriable() ? code.exception(where) : new SkeinException(where + ": " + code, null, true);
            }
            case ABORTABLE -> {
                return new TransactionAbortableException(where + ": " + code + "; abort the transaction", null);
            }
            case FENCED -> {
                return new ProducerFencedException(where + ": another producer with this transactional id has taken"
                        + " over (" + code + ")" + age + "; close this producer (a new one may take the id over)", code);
            }
            default -> { // FATAL
                RuntimeException ex = code.exception(where + age);
                return ex instanceof SkeinException s && !s.isRetriable() && s.errorCode() != null ? ex
                        : new Unrecoverable(where + ": " + code + age + "; the producer cannot continue", code);
            }
        }
    }

    /** A code that is retriable elsewhere but ends this producer here. */
    private static final class Unrecoverable extends TransactionException {
        Unrecoverable(String message, ErrorCode code) {
            super(message, code);
        }

        @Override
        public boolean isRetriable() {
            return false;
        }
    }

    /** Moves to the state an error calls for ({@link TxnState#failed}). */
    private void onLoopError(Throwable e) {
        if (e == null) {
            return;
        }
        Throwable c = cause(e);
        boolean wasFatal = state.state() == TxnState.State.FATAL_ERROR;
        state.failed(c);
        if (!wasFatal && state.state() == TxnState.State.FATAL_ERROR) {
            log.error("transactional producer {} stops for good: {}", transactionalId, c.getMessage());
        }
    }

    // ---- plumbing ----

    /** True for transactions version 2. */
    boolean isV2() {
        return v2;
    }

    /** What failed, out of the CompletionException a dependent future wraps it in. */
    private static Throwable cause(Throwable e) {
        return Retry.cause(e);
    }

    /** Runs {@code body} on the loop and hands its future back. */
    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<CompletableFuture<T>> body) {
        CompletableFuture<T> out = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                body.get().whenComplete((v, e) -> {
                    if (e != null) {
                        out.completeExceptionally(cause(e));
                    } else {
                        out.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }
}
