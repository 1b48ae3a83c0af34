package dev.skein.producer.internal;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.internal.Retry;
import dev.skein.core.message.ApiMessage;
import dev.skein.producer.ProducerOptions;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The transactional producer's driver (one per producer, on the sender's event loop): it owns a
 * {@link TxnRequests} machine, sends the requests it asks for to the coordinators, hands it the
 * answers and the time, and wakes it when it asked to be woken. The application's calls reach the
 * machine through tasks on the loop.
 *
 * <p>Transactions version 2 (KIP-890, finalized in the cluster's {@code transaction.version} feature):
 * partitions and offsets join the transaction implicitly through Produce and TxnOffsetCommit, and
 * EndTxn bumps the producer epoch each time. Version 1: AddPartitionsToTxn before a partition's first
 * batch, AddOffsetsToTxn before TxnOffsetCommit, and an epoch bump through InitProducerId only after
 * an abort that left sequence numbers out of step.
 */
final class TransactionManager {
    private final String transactionalId;
    private final ClusterClient client;
    private final EventLoop loop;
    private final Runnable wakeSender;
    /** True while records of the transaction are queued or in flight. */
    private final BooleanSupplier recordsPending;
    /** The state and its rules (no I/O). */
    private final TxnState state;
    /** The requests around it (no I/O); touched on {@link #loop} only. */
    private final TxnRequests requests;
    private final Coordinators coordinators;
    private ScheduledFuture<?> wake;
    private long wakeAt = TxnRequests.NEVER;

    TransactionManager(ProducerOptions settings, ClusterClient client, IdempotenceManager idempotence, EventLoop loop,
                       Runnable wakeSender, BooleanSupplier recordsPending) {
        this.transactionalId = settings.transactionalId();
        this.client = client;
        this.loop = loop;
        this.wakeSender = wakeSender;
        this.recordsPending = recordsPending;
        this.state = new TxnState(transactionalId);
        this.requests = new TxnRequests(transactionalId, settings.transactionTimeout(), settings.maxBlock(),
                settings.client().retryBackoff(), state, idempotence);
        this.coordinators = new Coordinators(client, false, null);
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

    /** See {@link TxnState#call}: starts {@code call}, or hands back its result when it timed out before. */
    CompletableFuture<Void> call(String call, Supplier<CompletableFuture<Void>> start) {
        return state.call(call, start);
    }

    /** See {@link TxnState#resumes}. */
    boolean resumes(String call) {
        return state.resumes(call);
    }

    /** See {@link TxnState#requireNoPendingCall}. */
    void requireNoPendingCall(String call) {
        state.requireNoPendingCall(call);
    }

    /** See {@link TxnState#pendingCall}. */
    String pendingCall() {
        return state.pendingCall();
    }

    /** See {@link TxnState#seen}. */
    void seen(CompletableFuture<Void> result) {
        state.seen(result);
    }

    CompletableFuture<Void> initTransactions() {
        return onLoop(() -> requests.init(System.nanoTime()));
    }

    void beginTransaction() {
        state.begin();
    }

    /** Checks a record may be sent now; called by send(). */
    void checkSend() {
        state.checkSend();
    }

    /** See {@link TxnRequests#sendOffsets(Map, ConsumerGroupMetadata, Map, long)}: {@code topicIds} by topic name. */
    CompletableFuture<Void> sendOffsets(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group,
                                        Map<String, java.util.UUID> topicIds) {
        return onLoop(() -> requests.sendOffsets(offsets, group, topicIds, System.nanoTime()));
    }

    /** See {@link TxnState#requireEndMayStart}: a timed-out commit is finished by committing again, and so on. */
    void requireEndMayStart(boolean commit) {
        state.requireEndMayStart(commit);
    }

    /** Commit (true) or abort: EndTxn, when anything joined the transaction at the coordinator. */
    CompletableFuture<Void> endTransaction(boolean commit) {
        return onLoop(() -> requests.end(commit, System.nanoTime()));
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

    /** True while an abort is under way. */
    boolean aborting() {
        return state.state() == TxnState.State.ABORTING;
    }

    /** See {@link TxnRequests#partitionReady}. */
    boolean partitionReady(TopicPartition tp) {
        return requests.partitionReady(tp, System.nanoTime());
    }

    /** Sends the AddPartitionsToTxn the sender's pass queued (version 1). */
    void sendPendingAdds() {
        step();
    }

    /**
     * A record of the transaction failed inside send(), before it joined a batch (serialization, too
     * large, no such partition, no metadata within max.block.ms): it will never be written, so the
     * transaction can no longer commit, as Apache Kafka's producer has it (doSend's
     * maybeTransitionToErrorState). Any thread; the sender then fails what is still queued (KIP-654).
     */
    void onSendFailed(RuntimeException e) {
        state.recordFailed(e);
        wakeSender.run();
    }

    /** A batch of this transaction failed for good: the transaction can no longer commit. */
    void onBatchFailed(RuntimeException e) {
        requests.onBatchFailed(e);
    }

    /** True for transactions version 2. */
    boolean isV2() {
        return requests.isV2();
    }

    // ---- the loop ----

    /** One step: look moved coordinators up again, send what is due, wake the sender, sleep until the next wake. */
    private void step() {
        for (TxnRequests.Moved m : requests.takeMoved()) {
            if (m.kind() == null) {
                coordinators.allMoved();
            } else {
                coordinators.moved(m.kind(), m.key());
            }
        }
        long now = System.nanoTime();
        for (TxnRequests.Outgoing o : requests.poll(now, recordsPending.getAsBoolean())) {
            send(o);
        }
        if (requests.takeWakeSender()) {
            wakeSender.run();
        }
        long next = requests.nextWakeNanos();
        if (next == TxnRequests.NEVER || (wake != null && !wake.isDone() && wakeAt == next)) {
            return;
        }
        if (wake != null) {
            wake.cancel(false);
        }
        wakeAt = next;
        wake = loop.schedule(this::step, Math.max(0, next - now), TimeUnit.NANOSECONDS);
    }

    private void send(TxnRequests.Outgoing o) {
        CompletableFuture<Object> answer = coordinators.of(o.to(), o.key()).thenCompose(node -> o.api() == null
                ? client.versions(node).thenApply(v -> (Object) TxnRequests.transactionsV2(v))
                : client.<ApiMessage>send(node, o.api(), o.maxVersion(), o.build()).thenApply(r -> (Object) r));
        answer.whenComplete((r, e) -> loop.execute(() -> {
            requests.onAnswer(o, r, e, System.nanoTime());
            step();
        }));
    }

    /** Runs {@code call} on the loop, then a step; hands its future back, completed with its own failure. */
    private CompletableFuture<Void> onLoop(Supplier<CompletableFuture<Void>> call) {
        CompletableFuture<Void> out = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                call.get().whenComplete((v, e) -> {
                    if (e != null) {
                        out.completeExceptionally(Retry.cause(e));
                    } else {
                        out.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
            step();
        });
        return out;
    }
}
