package dev.skein.producer.internal;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.ProtocolException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.message.AddOffsetsToTxnRequest;
import dev.skein.core.message.AddOffsetsToTxnResponse;
import dev.skein.core.message.AddPartitionsToTxnRequest;
import dev.skein.core.message.AddPartitionsToTxnResponse;
import dev.skein.core.message.EndTxnRequest;
import dev.skein.core.message.EndTxnResponse;
import dev.skein.core.message.InitProducerIdRequest;
import dev.skein.core.message.InitProducerIdResponse;
import dev.skein.core.message.TxnOffsetCommitRequest;
import dev.skein.core.message.TxnOffsetCommitResponse;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.internal.TxnRequests.Outgoing;
import dev.skein.producer.internal.TxnRequests.Step;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The requests of a transactional producer on a manual clock, API by API: what goes out when, what
 * each answer does (go on, retry after the backoff, look the coordinator up again, fail the call and
 * move the state), and that a call gives up after {@code max.block.ms}. Nothing here touches a network.
 */
class TxnRequestsTest {
    private static final long MS = 1_000_000L;
    private static final long BACKOFF = 100 * MS;
    private static final long MAX_BLOCK = 10_000 * MS;
    private static final String ID = "txn-1";
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final ConsumerGroupMetadata GROUP = new ConsumerGroupMetadata("g", 3, "member-1", null);

    private final TxnState state = new TxnState(ID);
    private final IdempotenceManager idempotence = new IdempotenceManager(5, true);
    private final TxnRequests m = new TxnRequests(ID, Duration.ofSeconds(60), Duration.ofNanos(MAX_BLOCK),
            Duration.ofNanos(BACKOFF), state, idempotence);
    private long now = 1_000 * MS;
    private boolean recordsPending;

    private Outgoing only(Step step) {
        List<Outgoing> out = m.poll(now, recordsPending);
        assertEquals(1, out.size(), "one request due at " + now + ": " + out);
        assertEquals(step, out.get(0).step());
        return out.get(0);
    }

    private void nothingDue() {
        assertEquals(List.of(), m.poll(now, recordsPending));
    }

    private static InitProducerIdResponse pid(ErrorCode code, long pid, int epoch) {
        return new InitProducerIdResponse().setErrorCode(code.code()).setProducerId(pid).setProducerEpoch((short) epoch);
    }

    private static AddPartitionsToTxnResponse added(ErrorCode code) {
        return new AddPartitionsToTxnResponse().setResultsByTopicV3AndBelow(List.of(
                new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName("t").setResultsByPartition(List.of(
                        new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult().setPartitionIndex(0)
                                .setPartitionErrorCode(code.code())))));
    }

    private static TxnOffsetCommitResponse offsetsCommitted(ErrorCode code) {
        return new TxnOffsetCommitResponse().setTopics(List.of(new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic()
                .setName("in").setPartitions(List.of(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(0).setErrorCode(code.code())))));
    }

    private static EndTxnResponse ended(ErrorCode code) {
        return new EndTxnResponse().setErrorCode(code.code());
    }

    private static Throwable failure(CompletableFuture<Void> f) {
        assertTrue(f.isCompletedExceptionally(), "failed");
        return assertThrows(ExecutionException.class, f::get).getCause();
    }

    /** initTransactions() against a coordinator of transactions version {@code v2}: producer id 7, epoch 0. */
    private void initialized(boolean v2) {
        CompletableFuture<Void> f = m.init(now);
        Outgoing versions = only(Step.VERSIONS);
        assertNull(versions.api(), "first the coordinator's versions");
        m.onAnswer(versions, v2, null, now);
        Outgoing init = only(Step.INIT_PRODUCER_ID);
        InitProducerIdRequest r = (InitProducerIdRequest) init.build().apply(4);
        assertEquals(ID, r.transactionalId());
        assertEquals(-1, r.producerId());
        m.onAnswer(init, pid(ErrorCode.NONE, 7, 0), null, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(TxnState.State.READY, state.state());
        assertEquals(7, idempotence.producerId());
    }

    /** A second machine over {@code s}, initialized under transactions version 2 and inside a transaction. */
    private TxnRequests inTransactionV2(TxnState s) {
        TxnRequests t = new TxnRequests(ID, Duration.ofSeconds(60), Duration.ofNanos(MAX_BLOCK), Duration.ofNanos(BACKOFF),
                s, new IdempotenceManager(5, true));
        t.init(now);
        t.onAnswer(t.poll(now, false).get(0), true, null, now);
        t.onAnswer(t.poll(now, false).get(0), pid(ErrorCode.NONE, 7, 0), null, now);
        s.begin();
        return t;
    }

    // ---- InitProducerId ----

    @Test
    void initRetriesALoadingCoordinatorAfterTheBackoffAndLooksAMovedOneUpAgain() {
        CompletableFuture<Void> f = m.init(now);
        m.onAnswer(only(Step.VERSIONS), false, null, now);
        m.onAnswer(only(Step.INIT_PRODUCER_ID), pid(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, -1, -1), null, now);
        assertEquals(List.of(), m.takeMoved());
        assertEquals(now + BACKOFF, m.nextWakeNanos());
        now += BACKOFF - 1;
        nothingDue();
        now += 1;
        m.onAnswer(only(Step.INIT_PRODUCER_ID), pid(ErrorCode.NOT_COORDINATOR, -1, -1), null, now);
        assertEquals(List.of(new TxnRequests.Moved(Coordinators.Kind.TRANSACTION, ID)), m.takeMoved());
        now += BACKOFF;
        m.onAnswer(only(Step.INIT_PRODUCER_ID), null, new NetworkException("connection reset", null, true), now);
        assertEquals(List.of(new TxnRequests.Moved(null, null)), m.takeMoved(), "no answer: any coordinator may have moved");
        now += BACKOFF;
        m.onAnswer(only(Step.INIT_PRODUCER_ID), pid(ErrorCode.NONE, 9, 2), null, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(2, idempotence.epoch());
    }

    @Test
    void initFailsForGoodWhenFencedOrNotAuthorized() {
        CompletableFuture<Void> f = m.init(now);
        m.onAnswer(only(Step.VERSIONS), false, null, now);
        m.onAnswer(only(Step.INIT_PRODUCER_ID), pid(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1, -1), null, now);
        assertFalse(failure(f) instanceof TimeoutException);
        assertEquals(TxnState.State.FATAL_ERROR, state.state());
        nothingDue();
    }

    @Test
    void initGivesUpAfterMaxBlockAndMayBeCalledAgain() {
        CompletableFuture<Void> f = m.init(now);
        long start = now;
        m.onAnswer(only(Step.VERSIONS), false, null, now);
        while (!f.isDone()) {
            m.onAnswer(only(Step.INIT_PRODUCER_ID), pid(ErrorCode.CONCURRENT_TRANSACTIONS, -1, -1), null, now);
            now += BACKOFF;
        }
        TimeoutException t = assertInstanceOf(TimeoutException.class, failure(f));
        assertTrue(t.isRetriable(), "the same call finishes it later");
        assertTrue(now - start > MAX_BLOCK);
        assertEquals(TxnState.State.UNINITIALIZED, state.state());
        initialized(false);
    }

    // ---- AddPartitionsToTxn (version 1) ----

    @Test
    void aPartitionJoinsThroughAddPartitionsBeforeItsFirstBatch() {
        initialized(false);
        state.begin();
        assertFalse(m.partitionReady(TP, now), "version 1: not before AddPartitionsToTxn");
        Outgoing add = only(Step.ADD_PARTITIONS);
        AddPartitionsToTxnRequest r = (AddPartitionsToTxnRequest) add.build().apply(3);
        assertEquals(7, r.v3AndBelowProducerId());
        assertEquals("t", r.v3AndBelowTopics().get(0).name());
        nothingDue();

        m.onAnswer(add, added(ErrorCode.CONCURRENT_TRANSACTIONS), null, now);
        assertFalse(m.takeWakeSender(), "retried after the backoff, not at the next pass");
        assertEquals(now + BACKOFF, m.nextWakeNanos());
        nothingDue();
        now += BACKOFF;
        m.onAnswer(only(Step.ADD_PARTITIONS), added(ErrorCode.NOT_COORDINATOR), null, now);
        assertEquals(List.of(new TxnRequests.Moved(Coordinators.Kind.TRANSACTION, ID)), m.takeMoved());
        now += BACKOFF;
        m.onAnswer(only(Step.ADD_PARTITIONS), added(ErrorCode.NONE), null, now);
        assertTrue(m.takeWakeSender(), "the sender may drain the partition now");
        assertTrue(m.partitionReady(TP, now));
        assertTrue(state.joined(), "EndTxn is due from here");
    }

    @Test
    void aPartitionTheProducerMayNotWriteMakesTheTransactionAbortable() {
        initialized(false);
        state.begin();
        m.partitionReady(TP, now);
        m.onAnswer(only(Step.ADD_PARTITIONS), added(ErrorCode.TOPIC_AUTHORIZATION_FAILED), null, now);
        assertEquals(TxnState.State.ABORTABLE_ERROR, state.state());
        nothingDue();
    }

    @Test
    void versionTwoAddsPartitionsImplicitly() {
        initialized(true);
        state.begin();
        assertTrue(m.partitionReady(TP, now));
        assertTrue(state.joined());
        nothingDue();
    }

    // ---- AddOffsetsToTxn and TxnOffsetCommit ----

    @Test
    void versionOneAddsTheGroupThenCommitsTheOffsetsToTheGroupsCoordinator() {
        initialized(false);
        state.begin();
        CompletableFuture<Void> f = m.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(42)), GROUP, now);
        Outgoing addOffsets = only(Step.ADD_OFFSETS);
        assertEquals(Coordinators.Kind.TRANSACTION, addOffsets.to());
        assertEquals("g", ((AddOffsetsToTxnRequest) addOffsets.build().apply(3)).groupId());
        assertFalse(state.joined(), "not before the coordinator took the group");
        m.onAnswer(addOffsets, new AddOffsetsToTxnResponse(), null, now);
        assertTrue(state.joined());

        Outgoing commit = only(Step.TXN_OFFSET_COMMIT);
        assertEquals(Coordinators.Kind.GROUP, commit.to());
        assertEquals("g", commit.key());
        TxnOffsetCommitRequest r = (TxnOffsetCommitRequest) commit.build().apply(3);
        assertEquals(3, r.generationIdOrMemberEpoch(), "KIP-447: the member's generation fences a zombie");
        assertEquals(42, r.topics().get(0).partitions().get(0).committedOffset());
        m.onAnswer(commit, offsetsCommitted(ErrorCode.NOT_COORDINATOR), null, now);
        assertEquals(List.of(new TxnRequests.Moved(Coordinators.Kind.GROUP, "g")), m.takeMoved(),
                "the group's coordinator moved, not the transaction's");
        now += BACKOFF;
        m.onAnswer(only(Step.TXN_OFFSET_COMMIT), offsetsCommitted(ErrorCode.NONE), null, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(TxnState.State.IN_TRANSACTION, state.state());
    }

    @Test
    void offsetsOfAGroupThatRebalancedOrIsDeniedMakeTheTransactionAbortable() {
        for (ErrorCode code : List.of(ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION,
                ErrorCode.FENCED_INSTANCE_ID, ErrorCode.GROUP_AUTHORIZATION_FAILED)) {
            TxnState s = new TxnState(ID);
            TxnRequests t = inTransactionV2(s);
            CompletableFuture<Void> f = t.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP, now);
            Outgoing commit = t.poll(now, false).get(0);
            assertEquals(Step.TXN_OFFSET_COMMIT, commit.step(), "version 2: no AddOffsetsToTxn");
            t.onAnswer(commit, offsetsCommitted(code), null, now);
            assertInstanceOf(TransactionAbortableException.class, failure(f), code.name());
            assertEquals(TxnState.State.ABORTABLE_ERROR, s.state(), code.name());
        }
    }

    @Test
    void offsetsWithTheTopicIdsTheyWereReadFromGoAtV6ByIdAndWithoutThemByNameAtV5() {
        java.util.UUID in = java.util.UUID.randomUUID();
        TxnState s = new TxnState(ID);
        TxnRequests t = inTransactionV2(s);
        t.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(42)), GROUP,
                Map.of("in", in), now);
        Outgoing byId = t.poll(now, false).get(0);
        assertEquals(Short.MAX_VALUE, byId.maxVersion(), "as high as the coordinator speaks: v6 and up carry ids");
        TxnOffsetCommitRequest v6 = (TxnOffsetCommitRequest) byId.build().apply(6);
        assertEquals(in, v6.topics().get(0).topicId());
        assertEquals(3, v6.generationIdOrMemberEpoch());
        TxnOffsetCommitRequest v5 = (TxnOffsetCommitRequest) byId.build().apply(5);
        assertEquals("in", v5.topics().get(0).name(), "a coordinator below 4.4 gets the names");

        TxnRequests named = inTransactionV2(new TxnState(ID));
        named.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(42)), GROUP, now);
        assertEquals(5, named.poll(now, false).get(0).maxVersion(), "no ids: v6 cannot name the topics");
        TxnRequests partly = inTransactionV2(new TxnState(ID));
        partly.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1),
                new dev.skein.core.TopicPartition("other", 0), OffsetAndMetadata.of(1)), GROUP, Map.of("in", in), now);
        assertEquals(5, partly.poll(now, false).get(0).maxVersion(), "an id missing for one topic: names for all");
        assertEquals(4, TxnRequests.txnOffsetCommitMax(false, true), "transactions version 1: v4 at most (KIP-890)");
    }

    /** KIP-1319: a v6 answer names its topics by id; UNKNOWN_TOPIC_ID there means the incarnation read from is gone. */
    @Test
    void offsetsOfATopicIdTheCoordinatorDoesNotKnowMakeTheTransactionAbortableAtOnce() {
        java.util.UUID in = java.util.UUID.randomUUID();
        TxnState s = new TxnState(ID);
        TxnRequests t = inTransactionV2(s);
        CompletableFuture<Void> f = t.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1)),
                GROUP, Map.of("in", in), now);
        Outgoing commit = t.poll(now, false).get(0);
        t.onAnswer(commit, new TxnOffsetCommitResponse().setTopics(List.of(new TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic()
                .setTopicId(in).setPartitions(List.of(new TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(0).setErrorCode(ErrorCode.UNKNOWN_TOPIC_ID.code()))))), null, now);
        Throwable e = failure(f);
        assertInstanceOf(TransactionAbortableException.class, e);
        assertTrue(e.getMessage().contains("in-0") && e.getMessage().contains(in.toString()), e.getMessage());
        assertEquals(TxnState.State.ABORTABLE_ERROR, s.state(), "not retried: never committed for another incarnation");
        assertEquals(List.of(), t.poll(now + BACKOFF, false), "nothing sent again");
    }

    @Test
    void staleMemberEpochAndAGroupNotFoundAtV6MakeTheTransactionAbortableAsARebalanceDoes() {
        for (ErrorCode code : List.of(ErrorCode.STALE_MEMBER_EPOCH, ErrorCode.GROUP_ID_NOT_FOUND)) {
            TxnState s = new TxnState(ID);
            TxnRequests t = inTransactionV2(s);
            CompletableFuture<Void> f = t.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP, now);
            t.onAnswer(t.poll(now, false).get(0), offsetsCommitted(code), null, now);
            Throwable e = failure(f);
            assertInstanceOf(TransactionAbortableException.class, e, code.name());
            assertTrue(e.getMessage().contains("rebalanced"), e.getMessage());
            assertEquals(TxnState.State.ABORTABLE_ERROR, s.state(), code.name());
        }
    }

    @Test
    void offsetsThatDidNotJoinWithinMaxBlockMakeTheTransactionAbortable() {
        initialized(false);
        state.begin();
        CompletableFuture<Void> f = m.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP, now);
        while (!f.isDone()) {
            m.onAnswer(only(Step.ADD_OFFSETS), new AddOffsetsToTxnResponse().setErrorCode(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS.code()),
                    null, now);
            now += BACKOFF;
        }
        assertInstanceOf(TimeoutException.class, failure(f));
        assertEquals(TxnState.State.ABORTABLE_ERROR, state.state(), "they may or may not have joined: commit is unsafe");
    }

    /**
     * A commit queued behind offsets still on their way (the application's wait for them gave up) must
     * not go out once they fail: the records would be committed without their input's offsets (KIP-98:
     * the offsets commit if and only if the transaction does).
     */
    @Test
    void aCommitQueuedBehindOffsetsThatFailedIsRefusedAsAbortable() {
        initialized(true);
        state.begin();
        m.partitionReady(TP, now);
        CompletableFuture<Void> offsets = m.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(42)), GROUP, now);
        Outgoing o = only(Step.TXN_OFFSET_COMMIT);
        CompletableFuture<Void> commit = m.end(true, now);
        now += MAX_BLOCK + 1;
        m.onAnswer(o, null, new NetworkException("no answer", null, true), now);
        assertInstanceOf(TimeoutException.class, failure(offsets));
        assertEquals(TxnState.State.ABORTABLE_ERROR, state.state(), "the offsets may or may not have joined");
        nothingDue();
        assertInstanceOf(TransactionAbortableException.class, failure(commit), "no EndTxn(commit) without the offsets");
    }

    /** Offsets that failed for a reason that carries no error code (an unreadable answer) cannot be committed either. */
    @Test
    void offsetsThatFailedWithoutAnErrorCodeMakeTheTransactionAbortable() {
        initialized(true);
        state.begin();
        m.partitionReady(TP, now);
        CompletableFuture<Void> offsets = m.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(42)), GROUP, now);
        m.onAnswer(only(Step.TXN_OFFSET_COMMIT), null, new ProtocolException("unreadable answer"), now);
        failure(offsets);
        assertEquals(TxnState.State.ABORTABLE_ERROR, state.state());
        assertThrows(TransactionAbortableException.class, () -> m.end(true, now));
    }

    /** KIP-447 / Apache Kafka's FindCoordinatorHandler: a group the principal may not use makes only this transaction abortable. */
    @Test
    void aGroupCoordinatorLookupNotAuthorizedMakesTheTransactionAbortableNotTheProducerFatal() {
        initialized(true);
        state.begin();
        CompletableFuture<Void> offsets = m.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP, now);
        m.onAnswer(only(Step.TXN_OFFSET_COMMIT), null,
                new AuthorizationException("FindCoordinator for group g", ErrorCode.GROUP_AUTHORIZATION_FAILED), now);
        assertInstanceOf(TransactionAbortableException.class, failure(offsets));
        assertEquals(TxnState.State.ABORTABLE_ERROR, state.state());
        CompletableFuture<Void> abort = m.end(false, now);
        m.onAnswer(only(Step.END_TXN), ended(ErrorCode.NONE).setProducerId(7).setProducerEpoch((short) 1), null, now);
        assertTrue(abort.isDone() && !abort.isCompletedExceptionally(), "the producer goes on after the abort");
    }

    // ---- EndTxn ----

    @Test
    void endTxnWaitsUntilNoRecordOfTheTransactionIsQueuedOrInFlight() {
        initialized(true);
        state.begin();
        m.partitionReady(TP, now);
        recordsPending = true;
        CompletableFuture<Void> f = m.end(true, now);
        nothingDue();
        assertEquals(now + TxnRequests.SETTLE_POLL_NANOS, m.nextWakeNanos(), "looks again shortly");
        now += TxnRequests.SETTLE_POLL_NANOS;
        nothingDue();
        recordsPending = false;
        now += TxnRequests.SETTLE_POLL_NANOS;
        Outgoing end = only(Step.END_TXN);
        assertTrue(((EndTxnRequest) end.build().apply(5)).committed());
        m.onAnswer(end, ended(ErrorCode.CONCURRENT_TRANSACTIONS), null, now);
        nothingDue();
        now += BACKOFF;
        m.onAnswer(only(Step.END_TXN), ended(ErrorCode.NONE).setProducerId(7).setProducerEpoch((short) 1), null, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(1, idempotence.epoch(), "version 2: each EndTxn gives a new epoch");
        assertEquals(TxnState.State.READY, state.state());
        assertTrue(m.takeWakeSender());
    }

    @Test
    void aCommitWhoseRecordsNeverSettleGivesUpAfterMaxBlock() {
        initialized(true);
        state.begin();
        m.partitionReady(TP, now);
        recordsPending = true;
        CompletableFuture<Void> f = m.end(true, now);
        now += MAX_BLOCK + 1;
        nothingDue();
        assertTrue(assertInstanceOf(TimeoutException.class, failure(f)).isRetriable());
    }

    @Test
    void aRecordThatFailedWhileTheCommitWaitedFailsTheCommit() {
        initialized(true);
        state.begin();
        m.partitionReady(TP, now);
        recordsPending = true;
        CompletableFuture<Void> f = m.end(true, now);
        nothingDue();
        m.onBatchFailed(new NetworkException("the record was not written", null, false));
        recordsPending = false;
        now += TxnRequests.SETTLE_POLL_NANOS;
        nothingDue();
        assertInstanceOf(TransactionAbortableException.class, failure(f));
    }

    @Test
    void aTransactionNothingJoinedEndsWithoutEndTxn() {
        initialized(false);
        state.begin();
        CompletableFuture<Void> f = m.end(true, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        nothingDue();
        assertEquals(TxnState.State.READY, state.state());
    }

    /**
     * Version 1: an abort while AddPartitionsToTxn is in flight waits for its answer. The partition may
     * have joined at the coordinator; ended here without EndTxn, the transaction would stay open there
     * and the next one would count the partition as added.
     */
    @Test
    void anAbortWaitsForAnAddPartitionsInFlightAndEndsWhatJoined() {
        initialized(false);
        state.begin();
        assertFalse(m.partitionReady(TP, now));
        Outgoing add = only(Step.ADD_PARTITIONS);
        CompletableFuture<Void> abort = m.end(false, now);
        assertFalse(abort.isDone(), "not ended while the partition may be joining");
        nothingDue();
        m.onAnswer(add, added(ErrorCode.NONE), null, now);
        now += TxnRequests.SETTLE_POLL_NANOS;
        Outgoing end = only(Step.END_TXN);
        assertFalse(((EndTxnRequest) end.build().apply(4)).committed());
        m.onAnswer(end, ended(ErrorCode.NONE), null, now);
        assertTrue(abort.isDone() && !abort.isCompletedExceptionally());
        assertFalse(state.joined());
        state.begin();
        assertFalse(m.partitionReady(TP, now), "the next transaction adds the partition again");
    }

    /** The same with AddOffsetsToTxn in flight: the group may have joined, and its offsets go out and are aborted. */
    @Test
    void anAbortWaitsForOffsetsOnTheirWayAndEndsWhatJoined() {
        initialized(false);
        state.begin();
        CompletableFuture<Void> offsets = m.sendOffsets(Map.of(new dev.skein.core.TopicPartition("in", 0), OffsetAndMetadata.of(1)), GROUP, now);
        Outgoing addOffsets = only(Step.ADD_OFFSETS);
        CompletableFuture<Void> abort = m.end(false, now);
        assertFalse(abort.isDone(), "not ended while the group may be joining");
        m.onAnswer(addOffsets, new AddOffsetsToTxnResponse(), null, now);
        m.onAnswer(only(Step.TXN_OFFSET_COMMIT), offsetsCommitted(ErrorCode.NONE), null, now);
        assertTrue(offsets.isDone());
        m.onAnswer(only(Step.END_TXN), ended(ErrorCode.NONE), null, now);
        assertTrue(abort.isDone() && !abort.isCompletedExceptionally());
        assertEquals(TxnState.State.READY, state.state());
        assertFalse(state.joined());
    }

    /** An abort with nothing joined and nothing on its way needs no EndTxn, and ends at once. */
    @Test
    void anAbortWithNothingJoinedAndNothingOnItsWayEndsAtOnce() {
        initialized(false);
        state.begin();
        CompletableFuture<Void> f = m.end(false, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(TxnState.State.READY, state.state());
    }

    @Test
    void versionOneBumpsTheEpochAfterAnAbortThatLeftSequencesOutOfStep() {
        initialized(false);
        state.begin();
        m.partitionReady(TP, now);
        m.onAnswer(only(Step.ADD_PARTITIONS), added(ErrorCode.NONE), null, now);
        idempotence.requestBump();
        CompletableFuture<Void> f = m.end(false, now);
        Outgoing end = only(Step.END_TXN);
        assertFalse(((EndTxnRequest) end.build().apply(4)).committed());
        m.onAnswer(end, ended(ErrorCode.NONE), null, now);
        Outgoing bump = only(Step.BUMP_EPOCH);
        InitProducerIdRequest r = (InitProducerIdRequest) bump.build().apply(4);
        assertEquals(7, r.producerId(), "KIP-360: the producer's own id and epoch");
        assertEquals(0, r.producerEpoch());
        assertFalse(f.isDone());
        m.onAnswer(bump, pid(ErrorCode.NONE, 7, 1), null, now);
        assertTrue(f.isDone() && !f.isCompletedExceptionally());
        assertEquals(1, idempotence.epoch());
    }

    @Test
    void endTxnErrorsThatCannotBeRetriedAreFatal() {
        for (ErrorCode code : List.of(ErrorCode.INVALID_TXN_STATE, ErrorCode.PRODUCER_FENCED, ErrorCode.INVALID_PRODUCER_ID_MAPPING)) {
            TxnState s = new TxnState(ID);
            TxnRequests t = inTransactionV2(s);
            t.partitionReady(TP, now);
            CompletableFuture<Void> f = t.end(true, now);
            t.onAnswer(t.poll(now, false).get(0), ended(code), null, now);
            Throwable e = failure(f);
            assertEquals(TxnState.State.FATAL_ERROR, s.state(), code.name());
            if (code == ErrorCode.PRODUCER_FENCED) {
                assertInstanceOf(ProducerFencedException.class, e);
            }
        }
    }

    @Test
    void anAbortAnsweredAbortableIsFatalRatherThanAbortedForEver() {
        initialized(true);
        state.begin();
        m.partitionReady(TP, now);
        CompletableFuture<Void> f = m.end(false, now);
        m.onAnswer(only(Step.END_TXN), ended(ErrorCode.TRANSACTION_ABORTABLE), null, now);
        failure(f);
        assertEquals(TxnState.State.FATAL_ERROR, state.state());
    }

    // ---- Produce ----

    @Test
    void aFailedBatchMakesTheTransactionAbortableUnlessTheProducerIsFenced() {
        initialized(true);
        state.begin();
        m.onBatchFailed(new NetworkException("timed out", null, false));
        assertEquals(TxnState.State.ABORTABLE_ERROR, state.state());
        m.onBatchFailed(new ProducerFencedException("fenced", ErrorCode.INVALID_PRODUCER_EPOCH));
        assertEquals(TxnState.State.FATAL_ERROR, state.state());
        assertInstanceOf(ProducerFencedException.class, state.error());
    }
}
