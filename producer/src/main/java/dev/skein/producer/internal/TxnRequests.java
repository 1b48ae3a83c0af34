package dev.skein.producer.internal;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.errors.TransactionException;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.net.BrokerVersions;
import dev.skein.core.message.AddOffsetsToTxnRequest;
import dev.skein.core.message.AddOffsetsToTxnResponse;
import dev.skein.core.message.AddPartitionsToTxnRequest;
import dev.skein.core.message.AddPartitionsToTxnResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.EndTxnRequest;
import dev.skein.core.message.EndTxnResponse;
import dev.skein.core.message.InitProducerIdRequest;
import dev.skein.core.message.InitProducerIdResponse;
import dev.skein.core.message.TxnOffsetCommitRequest;
import dev.skein.core.message.TxnOffsetCommitResponse;
import dev.skein.producer.TransactionAbortableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * The requests of a transactional producer, in order, as a state machine that does no I/O and reads
 * no clock: the application's calls and the coordinators' answers go in with the time; the requests
 * to send, the coordinators to look up again and the outcome of each call come out. The driver
 * ({@link TransactionManager}) sends what {@link #poll} returns and hands each answer to
 * {@link #onAnswer}; the rules of the transaction's state are {@link TxnState}'s, the verdict on each
 * error code is {@link TxnErrors}'s.
 *
 * <p>Order: the application's calls run one after the other ({@code initTransactions()}: the
 * coordinator's versions, then InitProducerId; {@code sendOffsetsToTransaction()}: AddOffsetsToTxn under
 * transactions version 1, then TxnOffsetCommit to the group's coordinator; commit or abort: wait until
 * no record of the transaction is queued or in flight, then EndTxn, then under version 1 after an abort
 * that left sequences out of step an epoch bump through InitProducerId). AddPartitionsToTxn (version 1)
 * goes beside them, one at a time, for the partitions the sender is about to write to.
 *
 * <p>Retries, as Apache Kafka's producer does them: a retriable answer (the coordinator loading,
 * {@code CONCURRENT_TRANSACTIONS}) or no answer is sent again after {@code retry.backoff.ms}; a moved
 * coordinator ({@code NOT_COORDINATOR}, {@code COORDINATOR_NOT_AVAILABLE}, no answer) is looked up again
 * first; a call that has not succeeded within {@code max.block.ms} fails with a retriable
 * {@link TimeoutException} (the same call finishes it later). Anything else ends the call with the
 * exception {@link TxnErrors} calls for, and moves the state accordingly.
 */
final class TxnRequests {
    private static final Logger log = LoggerFactory.getLogger(TxnRequests.class);
    static final long NEVER = Long.MAX_VALUE;
    /** How often a commit or abort looks whether the transaction's records have settled. */
    static final long SETTLE_POLL_NANOS = 5_000_000L;

    /** The requests the machine sends; {@link #VERSIONS} asks the transaction coordinator's ApiVersions. */
    enum Step { VERSIONS, INIT_PRODUCER_ID, ADD_PARTITIONS, ADD_OFFSETS, TXN_OFFSET_COMMIT, END_TXN, BUMP_EPOCH }

    /**
     * A request to send to the coordinator {@code to} of {@code key}: {@code api} at most at {@code maxVersion},
     * built for the version the connection speaks. {@code api} is null for {@link Step#VERSIONS}: the
     * answer is then {@link #transactionsV2} of the coordinator's {@link BrokerVersions}.
     */
    record Outgoing(Step step, Coordinators.Kind to, String key, ApiKey api, int maxVersion, IntFunction<ApiMessage> build) {}

    /** A coordinator to look up again: {@code key} null means every coordinator. */
    record Moved(Coordinators.Kind kind, String key) {}

    /** One application call in progress: its steps, its deadline, and the future it completes. */
    private abstract static class Call {
        final CompletableFuture<Void> result = new CompletableFuture<>();
        final String name;
        Step step;
        long deadline;
        long notBefore;
        boolean inFlight;

        Call(String name, Step first) {
            this.name = name;
            this.step = first;
        }
    }

    private static final class Init extends Call {
        Init() {
            super("InitProducerId", Step.VERSIONS);
        }
    }

    private static final class Offsets extends Call {
        final Map<TopicPartition, OffsetAndMetadata> offsets;
        final ConsumerGroupMetadata group;
        /** The id of every topic of {@link #offsets}, or empty: then TxnOffsetCommit names them (v5 at most). */
        final Map<String, UUID> topicIds;

        Offsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group, Map<String, UUID> topicIds,
                boolean v2) {
            super(v2 ? "TxnOffsetCommit for group " + group.groupId() : "AddOffsetsToTxn for group " + group.groupId(),
                    v2 ? Step.TXN_OFFSET_COMMIT : Step.ADD_OFFSETS);
            this.offsets = Map.copyOf(offsets);
            this.group = group;
            this.topicIds = complete(offsets, topicIds);
        }

        /** {@code ids} if it has an id (not the zero id) for every topic of {@code offsets}, else none. */
        private static Map<String, UUID> complete(Map<TopicPartition, OffsetAndMetadata> offsets, Map<String, UUID> ids) {
            for (TopicPartition tp : offsets.keySet()) {
                UUID id = ids.get(tp.topic());
                if (id == null || (id.getMostSignificantBits() == 0 && id.getLeastSignificantBits() == 0)) {
                    return Map.of();
                }
            }
            return Map.copyOf(ids);
        }

        /** The name of the topic a v6 answer gives by id. */
        String topicName(UUID id) {
            for (Map.Entry<String, UUID> e : topicIds.entrySet()) {
                if (e.getValue().equals(id)) {
                    return e.getKey();
                }
            }
            return String.valueOf(id);
        }
    }

    private static final class End extends Call {
        final boolean commit;
        /** Until the transaction's records settled: EndTxn waits for them. */
        boolean settled;

        End(boolean commit) {
            super("EndTxn (" + (commit ? "commit" : "abort") + ")", Step.END_TXN);
            this.commit = commit;
        }
    }

    private final String transactionalId;
    private final Duration transactionTimeout;
    private final Duration maxBlock;
    private final long backoffNanos;
    private final TxnState state;
    private final IdempotenceManager idempotence;
    private final Deque<Call> calls = new ArrayDeque<>();
    private final List<Moved> moved = new ArrayList<>();
    private boolean wakeSender;

    private boolean v2;
    private final Set<TopicPartition> added = new HashSet<>();
    private final Set<TopicPartition> pendingAdd = new LinkedHashSet<>();
    private boolean addInFlight;
    /** AddPartitionsToTxn is retried after its backoff, not at the sender's next pass. */
    private long addNotBefore;

    TxnRequests(String transactionalId, Duration transactionTimeout, Duration maxBlock, Duration retryBackoff,
                TxnState state, IdempotenceManager idempotence) {
        this.transactionalId = transactionalId;
        this.transactionTimeout = transactionTimeout;
        this.maxBlock = maxBlock;
        this.backoffNanos = retryBackoff.toNanos();
        this.state = state;
        this.idempotence = idempotence;
    }

    boolean isV2() {
        return v2;
    }

    // ---- the application's calls ----

    /** initTransactions(): completes once the producer has its id and epoch. */
    CompletableFuture<Void> init(long now) {
        state.startInit();
        return start(new Init(), now);
    }

    /** sendOffsetsToTransaction() without topic ids: TxnOffsetCommit names the topics (v5 at most). */
    CompletableFuture<Void> sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group, long now) {
        return sendOffsets(offsets, group, Map.of(), now);
    }

    /**
     * sendOffsetsToTransaction(): completes once the offsets are part of the transaction. With an id for
     * each of their topics ({@code topicIds}, by name; the ids of the topics' incarnations the records
     * were read from) TxnOffsetCommit may go at v6, which carries the ids instead of the names (KIP-1319),
     * so a coordinator whose topic of that name is another incarnation refuses them (UNKNOWN_TOPIC_ID)
     * instead of committing them for it. Without them, or a coordinator below v6, it names the topics.
     */
    CompletableFuture<Void> sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group,
                                        Map<String, UUID> topicIds, long now) {
        state.checkSend();
        if (v2) {
            state.joined(now); // TxnOffsetCommit adds the group: whatever its answer, EndTxn is due from here
        }
        return start(new Offsets(offsets, group, topicIds, v2), now);
    }

    /**
     * Commit (true) or abort: EndTxn when anything joined the transaction at the coordinator. With nothing
     * joined and nothing on its way to join (an AddPartitionsToTxn in flight, offsets queued) it ends
     * here at once; otherwise the end waits behind them and then decides ({@link #poll}).
     */
    CompletableFuture<Void> end(boolean commit, long now) {
        if (!state.startEnd(commit) && !joining()) {
            finish(); // nothing joined: nothing to end at the coordinator
            return CompletableFuture.completedFuture(null);
        }
        return start(new End(commit), now);
    }

    /**
     * True while something may still join the transaction at the coordinator: an AddPartitionsToTxn in
     * flight, or a call ahead of the end (offsets on their way through AddOffsetsToTxn). Apache Kafka's
     * producer likewise sends EndTxn only after the adds it queued before it.
     */
    private boolean joining() {
        return addInFlight || !calls.isEmpty();
    }

    private CompletableFuture<Void> start(Call c, long now) {
        c.deadline = now + maxBlock.toNanos();
        calls.add(c);
        return c.result;
    }

    // ---- the sender's hooks ----

    /**
     * True when {@code tp} may get a batch now: version 2 adds it implicitly (Produce does), version 1
     * needs AddPartitionsToTxn first (queued here, sent by {@link #poll}).
     */
    boolean partitionReady(TopicPartition tp, long now) {
        if (v2 || added.contains(tp)) {
            if (added.add(tp)) {
                state.joined(now);
            }
            return true;
        }
        pendingAdd.add(tp);
        return false;
    }

    /** A batch of this transaction failed for good: the transaction can no longer commit, or the producer is done. */
    void onBatchFailed(RuntimeException e) {
        if (state.state() == TxnState.State.FATAL_ERROR) {
            return;
        }
        ErrorCode code = e instanceof SkeinException s && s.errorCode() != null ? s.errorCode() : null;
        TxnErrors.Outcome outcome = code == null ? TxnErrors.Outcome.ABORTABLE : TxnErrors.classify(TxnErrors.Api.PRODUCE, code);
        if (outcome != TxnErrors.Outcome.ABORTABLE) {
            failed(exception(TxnErrors.Api.PRODUCE, code, "Produce", 0));
            return;
        }
        state.recordFailed(e);
    }

    // ---- the driver's side ----

    /** The requests to send now. {@code recordsPending}: records of the transaction are queued or in flight. */
    List<Outgoing> poll(long now, boolean recordsPending) {
        List<Outgoing> out = new ArrayList<>(2);
        if (!v2 && !addInFlight && !pendingAdd.isEmpty() && state.maySend() && now - addNotBefore >= 0) {
            addInFlight = true;
            out.add(addPartitions(List.copyOf(pendingAdd)));
        }
        Call c = calls.peek();
        if (c == null || c.inFlight || now - c.notBefore < 0) {
            return out;
        }
        if (c instanceof End end && !end.settled) {
            // EndTxn goes out only when nothing of the transaction is queued or in flight: a record still
            // on its way would otherwise land in the next transaction, or in none. Nor while a partition
            // is joining: the coordinator would take it into a transaction already ended here.
            if (recordsPending || addInFlight) {
                if (now - c.deadline > 0) {
                    fail(c, new TimeoutException((end.commit ? "commitTransaction()" : "abortTransaction()")
                            + ": records of the transaction were still queued or in flight, or a partition joining it,"
                            + " after max.block.ms (" + maxBlock.toMillis() + " ms)", null, true));
                    return out;
                }
                c.notBefore = now + SETTLE_POLL_NANOS;
                return out;
            }
            end.settled = true;
            if (end.commit) {
                try {
                    state.requireCommittable(); // a record failed while the commit waited for the others
                } catch (RuntimeException e) {
                    fail(c, e);
                    return out;
                }
            }
            if (!state.joined()) {
                finish(); // nothing joined after all: nothing to end at the coordinator
                succeed(c);
                return out;
            }
            c.deadline = now + maxBlock.toNanos(); // EndTxn's own time, from here
        }
        c.inFlight = true;
        out.add(request(c));
        return out;
    }

    /** When {@link #poll} next has something to do, given nothing happens meanwhile. */
    long nextWakeNanos() {
        long next = NEVER;
        if (!v2 && !addInFlight && !pendingAdd.isEmpty() && state.maySend()) {
            next = addNotBefore;
        }
        Call c = calls.peek();
        if (c != null && !c.inFlight) {
            next = Math.min(next, c.notBefore);
        }
        return next;
    }

    /** The coordinators to look up again, since the last call. */
    List<Moved> takeMoved() {
        if (moved.isEmpty()) {
            return List.of();
        }
        List<Moved> out = List.copyOf(moved);
        moved.clear();
        return out;
    }

    /** True once when the sender should run a pass (partitions joined, a transaction ended, an error). */
    boolean takeWakeSender() {
        boolean w = wakeSender;
        wakeSender = false;
        return w;
    }

    /** Transactions version 2: the cluster finalized it and the coordinator speaks EndTxn v5. */
    static boolean transactionsV2(BrokerVersions versions) {
        return versions.finalizedFeature("transaction.version") >= 2 && versions.brokerMax(ApiKey.END_TXN) >= 5;
    }

    /**
     * The answer to {@code sent}: a response (for {@link Step#VERSIONS}, whether the coordinator runs
     * transactions version 2: {@link #transactionsV2}), or a failure.
     */
    void onAnswer(Outgoing sent, Object response, Throwable error, long now) {
        if (sent.step() == Step.ADD_PARTITIONS) {
            onAddPartitions((AddPartitionsToTxnResponse) response, error, now);
            return;
        }
        Call c = calls.peek();
        if (c == null || !c.inFlight || c.step != sent.step()) {
            return;
        }
        c.inFlight = false;
        if (error != null) {
            Throwable cause = Retry.cause(error);
            if (Retry.retriable(cause) && !(cause instanceof TimeoutException t && !t.isRetriable())) {
                if (cause instanceof SkeinException s && (s.errorCode() == null || s.errorCode() == ErrorCode.NOT_COORDINATOR
                        || s.errorCode() == ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
                    moved.add(new Moved(null, null)); // no answer: any coordinator may have moved
                }
                retry(c, cause, now);
            } else {
                fail(c, sent.to() == Coordinators.Kind.GROUP ? groupLookupFailure(cause) : cause);
            }
            return;
        }
        try {
            switch (sent.step()) {
                case VERSIONS -> {
                    v2 = (Boolean) response;
                    c.step = Step.INIT_PRODUCER_ID;
                    return;
                }
                case INIT_PRODUCER_ID -> {
                    InitProducerIdResponse r = (InitProducerIdResponse) response;
                    if (!check(c, TxnErrors.Api.INIT_PRODUCER_ID, ErrorCode.forCode(r.errorCode()), "InitProducerId", now)) {
                        return;
                    }
                    idempotence.onInitialized(r.producerId(), r.producerEpoch());
                    state.initialized();
                    log.info("transactional id {}: producer id {} epoch {} (transactions version {})", transactionalId,
                            r.producerId(), r.producerEpoch(), v2 ? 2 : 1);
                    succeed(c);
                }
                case ADD_OFFSETS -> {
                    AddOffsetsToTxnResponse r = (AddOffsetsToTxnResponse) response;
                    if (!check(c, TxnErrors.Api.ADD_OFFSETS, ErrorCode.forCode(r.errorCode()), "AddOffsetsToTxn", now)) {
                        return;
                    }
                    // The group joined the transaction at the coordinator: from here EndTxn is due.
                    state.joined(now);
                    c.step = Step.TXN_OFFSET_COMMIT;
                    c.deadline = now + maxBlock.toNanos();
                }
                case TXN_OFFSET_COMMIT -> onTxnOffsetCommit((Offsets) c, (TxnOffsetCommitResponse) response, now);
                case END_TXN -> {
                    End end = (End) c;
                    EndTxnResponse r = (EndTxnResponse) response;
                    if (!check(c, end.commit ? TxnErrors.Api.END_TXN_COMMIT : TxnErrors.Api.END_TXN_ABORT,
                            ErrorCode.forCode(r.errorCode()), "EndTxn", now)) {
                        return;
                    }
                    if (r.producerEpoch() >= 0 && r.producerEpoch() != idempotence.epoch()) {
                        idempotence.onInitialized(r.producerId(), r.producerEpoch()); // version 2: a new epoch each time
                    }
                    if (!end.commit && !v2 && idempotence.isBumpNeeded()) {
                        // Version 1 after an abort that left sequences out of step: bump the epoch (KIP-360).
                        c.step = Step.BUMP_EPOCH;
                        c.deadline = now + maxBlock.toNanos();
                        return;
                    }
                    finish();
                    succeed(c);
                }
                case BUMP_EPOCH -> {
                    InitProducerIdResponse r = (InitProducerIdResponse) response;
                    if (!check(c, TxnErrors.Api.INIT_PRODUCER_ID, ErrorCode.forCode(r.errorCode()), "InitProducerId", now)) {
                        return;
                    }
                    idempotence.onInitialized(r.producerId(), r.producerEpoch());
                    finish();
                    succeed(c);
                }
                default -> throw new IllegalStateException("unexpected answer to " + sent.step());
            }
        } catch (RuntimeException e) {
            fail(c, e);
        }
    }

    /**
     * A failure on the way to the group's coordinator, read as Apache Kafka's FindCoordinatorHandler
     * reads it: a group the principal may not use ({@code GROUP_AUTHORIZATION_FAILED}) makes this
     * transaction abortable ({@link TxnErrors}), not the producer fatal; other groups, or the same one
     * once allowed, work in the next transaction.
     */
    private static Throwable groupLookupFailure(Throwable cause) {
        if (cause instanceof SkeinException s && s.errorCode() != null
                && TxnErrors.classify(TxnErrors.Api.FIND_COORDINATOR, s.errorCode()) == TxnErrors.Outcome.ABORTABLE) {
            return new TransactionAbortableException(s.getMessage() + "; abort the transaction", s);
        }
        return cause;
    }

    private void onTxnOffsetCommit(Offsets c, TxnOffsetCommitResponse r, long now) {
        String group = c.group.groupId();
        for (TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic t : r.topics()) {
            // v6 answers by topic id (KIP-1319), earlier versions by name
            String topic = t.name() != null && !t.name().isEmpty() ? t.name() : c.topicName(t.topicId());
            for (TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition p : t.partitions()) {
                ErrorCode code = ErrorCode.forCode(p.errorCode());
                if (TxnErrors.classify(TxnErrors.Api.TXN_OFFSET_COMMIT, code) == TxnErrors.Outcome.REFIND_COORDINATOR) {
                    moved.add(new Moved(Coordinators.Kind.GROUP, group));
                }
                if (code == ErrorCode.UNKNOWN_MEMBER_ID || code == ErrorCode.ILLEGAL_GENERATION
                        || code == ErrorCode.FENCED_INSTANCE_ID || code == ErrorCode.STALE_MEMBER_EPOCH
                        || code == ErrorCode.GROUP_ID_NOT_FOUND) {
                    // KIP-1319: v6 answers GROUP_ID_NOT_FOUND and STALE_MEMBER_EPOCH where v5 answered
                    // ILLEGAL_GENERATION for both; all are a group that moved on, as Apache Kafka's producer reads them.
                    fail(c, new TransactionAbortableException("the offsets of " + topic + "-" + p.partitionIndex()
                            + " cannot join the transaction: group " + group + " has rebalanced since"
                            + " the records were read (" + code + "); abort and read again", null));
                    return;
                }
                if (code == ErrorCode.UNKNOWN_TOPIC_ID) {
                    // The topic the records were read from is gone (deleted, and maybe created again under a new
                    // id): its offsets must not join, as they would once have for a topic of the same name.
                    fail(c, new TransactionAbortableException("the offsets of " + topic + "-" + p.partitionIndex()
                            + " cannot join the transaction: the coordinator does not know topic id "
                            + c.topicIds.get(topic) + ", the one the records were read from (the topic was deleted"
                            + " since, or created again: UNKNOWN_TOPIC_ID); abort and read again", null));
                    return;
                }
                if (!check(c, TxnErrors.Api.TXN_OFFSET_COMMIT, code, "TxnOffsetCommit of " + topic + "-"
                        + p.partitionIndex(), now)) {
                    return;
                }
            }
        }
        succeed(c);
    }

    private void onAddPartitions(AddPartitionsToTxnResponse r, Throwable error, long now) {
        addInFlight = false;
        wakeSender = true;
        Throwable cause = error == null ? null : Retry.cause(error);
        TxnErrors.Outcome outcome;
        ErrorCode worst = ErrorCode.NONE;
        if (cause == null) {
            AddPartitionsAnswer answer = AddPartitionsAnswer.of(r);
            for (TopicPartition tp : answer.joined()) {
                added.add(tp);
                pendingAdd.remove(tp);
                state.joined(now); // a partition joined: EndTxn is due from here
            }
            worst = answer.worst(); // the gravest refusal decides
            outcome = answer.outcome();
        } else if (cause instanceof SkeinException s && s.isRetriable()) {
            outcome = TxnErrors.Outcome.REFIND_COORDINATOR; // no answer: the coordinator may have moved
        } else if (cause instanceof AuthenticationException refused) {
            // Not final for the producer (TxnState.failed); but the partitions did not join, and their
            // records are failed with the refusal: the transaction cannot commit.
            failed(new TransactionAbortableException("AddPartitionsToTxn for " + transactionalId + " was refused: "
                    + refused.getMessage() + "; abort the transaction", refused));
            return;
        } else {
            failed(cause instanceof RuntimeException re && !(cause instanceof TransactionAbortableException)
                    ? re : new SkeinException("AddPartitionsToTxn for " + transactionalId + " failed", cause));
            return;
        }
        switch (outcome) {
            case IGNORE -> { }
            case RETRY, REFIND_COORDINATOR -> {
                if (outcome == TxnErrors.Outcome.REFIND_COORDINATOR) {
                    moved.add(new Moved(Coordinators.Kind.TRANSACTION, transactionalId));
                }
                // After the backoff, not at the next pass: a coordinator finishing the previous
                // transaction answers CONCURRENT_TRANSACTIONS until it is done.
                addNotBefore = now + backoffNanos;
                wakeSender = false;
            }
            default -> failed(exception(TxnErrors.Api.ADD_PARTITIONS, worst, "AddPartitionsToTxn", now));
        }
    }

    // ---- outcomes ----

    /**
     * Applies {@link TxnErrors}'s verdict on {@code code}: true to go on (no error); otherwise the call
     * is retried (after the backoff, looking the coordinator up again first if it moved) or failed.
     */
    private boolean check(Call c, TxnErrors.Api api, ErrorCode code, String what, long now) {
        TxnErrors.Outcome outcome = TxnErrors.classify(api, code);
        switch (outcome) {
            case IGNORE -> {
                return true;
            }
            case REFIND_COORDINATOR, RETRY -> {
                if (outcome == TxnErrors.Outcome.REFIND_COORDINATOR && api != TxnErrors.Api.TXN_OFFSET_COMMIT) {
                    moved.add(new Moved(Coordinators.Kind.TRANSACTION, transactionalId));
                }
                retry(c, exception(api, code, what, now), now);
                return false;
            }
            default -> {
                fail(c, exception(api, code, what, now));
                return false;
            }
        }
    }

    private void retry(Call c, Throwable cause, long now) {
        if (now - c.deadline > 0) {
            fail(c, new TimeoutException(c.name + " for " + transactionalId + " did not succeed within max.block.ms ("
                    + maxBlock.toMillis() + " ms): " + cause.getMessage(), cause, true));
            return;
        }
        log.debug("{} for {}: retrying after {}", c.name, transactionalId, cause.toString());
        c.notBefore = now + backoffNanos;
    }

    private void succeed(Call c) {
        calls.remove(c);
        c.result.complete(null);
    }

    /** Ends {@code c} with {@code e}, moving the state as the error calls for. */
    private void fail(Call c, Throwable e) {
        calls.remove(c);
        failed(e);
        if (c instanceof Offsets o) {
            offsetsFailed(o, e);
        }
        if (c instanceof Init) {
            state.initFailed(); // unless fatal, the application may call it again
        }
        c.result.completeExceptionally(e);
    }

    /**
     * Offsets that failed for a reason that left the transaction committable (a timeout, no answer, an
     * unreadable one) may or may not have joined it: KIP-98 commits them if and only if the transaction
     * commits, so it can no longer commit (KAFKA-19176 makes a timeout abortable too). That holds while
     * it is still open and while a commit waits behind them ({@code COMMITTING}): EndTxn(commit) would
     * commit the records without the input they came from.
     */
    private void offsetsFailed(Offsets o, Throwable e) {
        TxnState.State s = state.state();
        if (s == TxnState.State.IN_TRANSACTION || s == TxnState.State.COMMITTING) {
            failed(new TransactionAbortableException("the offsets of group " + o.group.groupId()
                    + " did not join the transaction of " + transactionalId + ": " + e.getMessage()
                    + "; abort the transaction", e));
        }
    }

    /** Moves to the state an error calls for ({@link TxnState#failed}). */
    private void failed(Throwable e) {
        boolean wasFatal = state.state() == TxnState.State.FATAL_ERROR;
        state.failed(e);
        wakeSender = true;
        if (!wasFatal && state.state() == TxnState.State.FATAL_ERROR) {
            log.error("transactional producer {} stops for good: {}", transactionalId, e.getMessage());
        }
    }

    private void finish() {
        added.clear();
        pendingAdd.clear();
        state.finished();
        wakeSender = true;
    }

    /**
     * The exception for an error the table in {@link TxnErrors} sorted: the retriable ones as is, the
     * others by what the application must do.
     */
    private RuntimeException exception(TxnErrors.Api api, ErrorCode code, String what, long now) {
        String where = what + " for transactional id " + transactionalId;
        TxnErrors.Outcome outcome = TxnErrors.classify(api, code);
        // A fence is final even when the transaction outlived transaction.timeout.ms (the coordinator then
        // aborts it and bumps the epoch, and what comes back looks the same): a zombie fenced by a newer
        // instance has, more often than not, an old transaction too, and re-initializing would fence the
        // newer one. Apache Kafka's producer keeps it fatal as well. The age only goes into the message.
        String age = state.olderThan(now, transactionTimeout.toNanos()) ? "; this transaction is older than"
                + " transaction.timeout.ms (" + transactionTimeout.toMillis() + " ms), so the coordinator may have aborted"
                + " it for its age" : "";
        switch (outcome) {
            case REFIND_COORDINATOR, RETRY, IGNORE -> {
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

    // ---- the requests ----

    private Outgoing request(Call c) {
        long pid = idempotence.producerId();
        short epoch = idempotence.epoch();
        int timeoutMs = (int) transactionTimeout.toMillis();
        String id = transactionalId;
        return switch (c.step) {
            case VERSIONS -> new Outgoing(Step.VERSIONS, Coordinators.Kind.TRANSACTION, id, null, 0, null);
            case INIT_PRODUCER_ID -> new Outgoing(Step.INIT_PRODUCER_ID, Coordinators.Kind.TRANSACTION, id,
                    ApiKey.INIT_PRODUCER_ID, Short.MAX_VALUE, v -> new InitProducerIdRequest().setTransactionalId(id)
                    .setTransactionTimeoutMs(timeoutMs).setProducerId(-1).setProducerEpoch((short) -1));
            case BUMP_EPOCH -> new Outgoing(Step.BUMP_EPOCH, Coordinators.Kind.TRANSACTION, id, ApiKey.INIT_PRODUCER_ID,
                    Short.MAX_VALUE, v -> new InitProducerIdRequest().setTransactionalId(id).setTransactionTimeoutMs(timeoutMs)
                    .setProducerId(pid).setProducerEpoch(epoch));
            case ADD_OFFSETS -> {
                String group = ((Offsets) c).group.groupId();
                yield new Outgoing(Step.ADD_OFFSETS, Coordinators.Kind.TRANSACTION, id, ApiKey.ADD_OFFSETS_TO_TXN,
                        Short.MAX_VALUE, v -> new AddOffsetsToTxnRequest().setTransactionalId(id).setProducerId(pid)
                        .setProducerEpoch(epoch).setGroupId(group));
            }
            case TXN_OFFSET_COMMIT -> txnOffsetCommit((Offsets) c, pid, epoch);
            case END_TXN -> {
                boolean commit = ((End) c).commit;
                yield new Outgoing(Step.END_TXN, Coordinators.Kind.TRANSACTION, id, ApiKey.END_TXN, v2 ? Short.MAX_VALUE : 4,
                        v -> new EndTxnRequest().setTransactionalId(id).setProducerId(pid).setProducerEpoch(epoch)
                                .setCommitted(commit));
            }
            case ADD_PARTITIONS -> throw new IllegalStateException("AddPartitionsToTxn is not a call's step");
        };
    }

    /**
     * The highest TxnOffsetCommit version for these offsets: v4 under transactions version 1 (KIP-890: v5
     * and up add the group to the transaction themselves), v5 when a topic has no id to send, else v6
     * (KIP-1319: topic ids instead of names), as far as the coordinator speaks it.
     */
    static int txnOffsetCommitMax(boolean v2, boolean haveIds) {
        return !v2 ? 4 : haveIds ? Short.MAX_VALUE : 5;
    }

    private Outgoing txnOffsetCommit(Offsets c, long pid, short epoch) {
        ConsumerGroupMetadata group = c.group;
        Map<TopicPartition, OffsetAndMetadata> offsets = c.offsets;
        Map<String, UUID> ids = c.topicIds;
        String id = transactionalId;
        return new Outgoing(Step.TXN_OFFSET_COMMIT, Coordinators.Kind.GROUP, group.groupId(), ApiKey.TXN_OFFSET_COMMIT,
                txnOffsetCommitMax(v2, !ids.isEmpty()), v -> {
                    Map<String, TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic> topics = new LinkedHashMap<>();
                    offsets.forEach((tp, o) -> topics.computeIfAbsent(tp.topic(), t -> v >= 6
                            ? new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic().setTopicId(ids.get(t))
                                    .setPartitions(new ArrayList<>())
                            : new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic().setName(t)
                                    .setPartitions(new ArrayList<>())).partitions()
                            .add(new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                                    .setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch())
                                    .setCommittedMetadata(o.metadata())));
                    TxnOffsetCommitRequest r = new TxnOffsetCommitRequest().setTransactionalId(id)
                            .setGroupId(group.groupId()).setProducerId(pid).setProducerEpoch(epoch)
                            .setTopics(new ArrayList<>(topics.values()));
                    if (v >= 3) { // KIP-447: the coordinator fences a zombie consumer by its generation
                        r.setGenerationIdOrMemberEpoch(group.generationId()).setMemberId(group.memberId())
                                .setGroupInstanceId(group.groupInstanceId());
                    }
                    return r;
                });
    }

    private Outgoing addPartitions(List<TopicPartition> adding) {
        long pid = idempotence.producerId();
        short epoch = idempotence.epoch();
        String id = transactionalId;
        // v4+ batches transactions for brokers; a client speaks v3 at most
        return new Outgoing(Step.ADD_PARTITIONS, Coordinators.Kind.TRANSACTION, id, ApiKey.ADD_PARTITIONS_TO_TXN, 3, v -> {
            Map<String, AddPartitionsToTxnRequest.AddPartitionsToTxnTopic> topics = new LinkedHashMap<>();
            adding.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new AddPartitionsToTxnRequest.AddPartitionsToTxnTopic()
                    .setName(t).setPartitions(new ArrayList<>())).partitions().add(tp.partition()));
            return new AddPartitionsToTxnRequest().setV3AndBelowTransactionalId(id).setV3AndBelowProducerId(pid)
                    .setV3AndBelowProducerEpoch(epoch).setV3AndBelowTopics(new ArrayList<>(topics.values()));
        });
    }
}
