package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.ProtocolException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.net.BrokerConnection;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.InitProducerIdRequest;
import dev.skein.core.message.InitProducerIdResponse;
import dev.skein.core.message.ProduceRequest;
import dev.skein.core.message.ProduceResponse;
import dev.skein.producer.Acks;
import dev.skein.producer.ProducerOptions;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.TransactionAbortedException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Moves batches from the accumulator to the brokers. Runs on one event loop and never blocks it:
 * {@link #wakeup()} schedules a pass; a pass expires batches past {@code delivery.timeout.ms}, takes
 * the sendable head batch of each partition (full, lingered long enough, or flushing), groups them by
 * leader into Produce requests of at most {@code max.request.size}, and schedules the next pass for
 * the earliest linger or backoff deadline. Responses come back to the same loop.
 *
 * <p>Everything here except {@link #wakeup()}, {@link #beginFlush()}/{@link #endFlush()} is
 * event-loop confined.
 *
 * <p>Long on purpose (a little over 800 lines): the pass, the request's build and the answer's handling
 * share the in-flight map, the drain order and the per-broker counts, which only this loop may touch; the
 * rules that decide a batch's fate (retry, split, give up, fail as refused) live in small classes of their
 * own ({@code ProduceErrors}, {@code ProduceResponses}, {@code BatchSplitter}, {@code IdempotenceManager},
 * {@code TransactionManager}), and what remains here is their bookkeeping on this loop. Moving that apart
 * would hand the in-flight state across classes that must then all stay on one thread.
 */
final class Sender {
    private static final Logger log = LoggerFactory.getLogger(Sender.class);

    private final ProducerOptions settings;
    private final ClusterClient client;
    private final RecordAccumulator accumulator;
    private final IdempotenceManager idempotence; // null without idempotence
    private final TransactionManager txn; // null without transactional.id
    private final Executor callbacks;
    private final ProducerMetrics metrics;
    private final EventLoop loop;
    /** How long a batch lingers at most, less the timer's slack (see the constructor). */
    private final long lingerNanos;
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    /**
     * Per broker, where the next pass starts walking its partitions (an index into the accumulator's
     * list): at the first whose batch did not fit in the broker's request on the last pass, so that no
     * partition is left behind the same others on every pass while they have batches to send; walking on
     * from there, the broker's partitions take turns. Apache Kafka's producer keeps a drain index per
     * broker for the same reason. A broker none of whose batches was left out starts at the beginning.
     * Loop-confined, as is {@link #leftOut}, which a pass fills for the next one.
     */
    private final Map<Integer, Integer> drainStarts = new HashMap<>();
    private final Map<Integer, Integer> leftOut = new HashMap<>();
    private volatile int flushing;
    private volatile boolean closing;
    private volatile RuntimeException fatal;
    private ScheduledFuture<?> timer;
    private long timerDeadline = Long.MAX_VALUE;
    private final Map<ProducerBatch, Boolean> inFlight = new LinkedHashMap<>();
    /**
     * Produce requests sent to each broker and not yet answered (loop only). A broker at
     * {@code max.in.flight.requests.per.connection} is not drained: its batches wait in their queues
     * and leave together in the next request, rather than one small request each queued on the connection.
     */
    private final Map<Integer, int[]> requestsOut = new HashMap<>();
    private volatile int inFlightBatches;
    private final Map<TopicPartition, int[]> drainCounters = new HashMap<>();
    /** metadata.max.idle.ms: topics no request carried for that long leave the metadata (loop only). */
    private final IdleTopics idleTopics;

    Sender(ProducerOptions settings, ClusterClient client, RecordAccumulator accumulator, Executor callbacks,
           ProducerMetrics metrics) {
        this.settings = settings;
        this.client = client;
        this.accumulator = accumulator;
        this.idempotence = settings.idempotence()
                ? new IdempotenceManager(Math.min(5, settings.maxInFlight()), settings.transactionalId() != null) : null;
        this.callbacks = callbacks;
        this.metrics = metrics;
        // linger.ms is an upper bound ("up to"), kept to the event loop timer's granularity: a Netty timer fires
        // up to 1 ms late, so it is set 1 ms early and a batch whose linger ends within that millisecond leaves
        // now. A batch lingers at most linger.ms and at least 1 ms less (half of a linger shorter than 2 ms).
        long linger = settings.linger().toNanos();
        this.lingerNanos = linger - Math.min(LINGER_SLACK_NANOS, linger / 2);
        this.loop = client.loop(); // the connections' loop too (ClusterClient.startOnOneLoop)
        this.idleTopics = new IdleTopics(settings.metadataMaxIdle().toNanos());
        this.txn = settings.transactionalId() == null ? null
                : new TransactionManager(settings, client, idempotence, loop, this::wakeup, accumulator::hasIncomplete);
        client.connections().onAuthenticationFailure((refused, node) -> loop.execute(() -> failRefused(node, refused)));
    }

    /**
     * A connection attempt was refused (an authentication failure): the batches that waited for it fail
     * with the error, those of the partitions {@code nodeId} leads and those without a known leader (which
     * waited for the metadata), unless already in flight. Not final: a later send tries again, once the
     * broker's backoff is over. On the loop.
     */
    private void failRefused(int nodeId, RuntimeException refused) {
        Cluster cluster = client.cluster();
        for (ProducerBatch b : accumulator.incomplete()) {
            Node leader = cluster.leader(b.tp.topic(), b.tp.partition());
            if (!inFlight.containsKey(b) && (leader == null || leader.id() == nodeId)) {
                finish(b, refused);
            }
        }
    }

    /** The transaction state machine, or null for a producer without transactional.id. */
    TransactionManager transactions() {
        return txn;
    }

    /**
     * Aborting: fails every batch not yet sent (never written), so only batches in flight remain; the
     * future completes when that is done (on the loop).
     */
    CompletableFuture<Void> failUnsent(RuntimeException why) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                failNotInFlight(why);
            } finally {
                done.complete(null);
            }
        });
        return done;
    }

    /**
     * KIP-654: once the transaction cannot commit (a record of it failed, or the producer is fenced), a
     * batch not yet sent could only be aborted: it fails now, with the reason, rather than after its
     * linger or at the abort. Batches in flight wait for their answers.
     */
    private void failUndrained(RuntimeException why) {
        if (accumulator.hasIncomplete()) {
            failNotInFlight(why instanceof TransactionAbortableException
                    ? new TransactionAbortableException("the transaction cannot commit and this record was never"
                            + " written: " + why.getMessage(), why)
                    : why);
        }
    }

    /** Fails every batch not in flight (never written); its sequence numbers, if any, are given back. On the loop. */
    private void failNotInFlight(RuntimeException why) {
        for (ProducerBatch b : accumulator.incomplete()) {
            if (!inFlight.containsKey(b)) {
                finish(b, why);
            }
        }
    }

    /** Asks for a pass soon; cheap to call from any thread. */
    void wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            loop.execute(this::run);
        }
    }

    void beginFlush() {
        synchronized (this) {
            flushing++;
        }
        wakeup();
    }

    void endFlush() {
        synchronized (this) {
            flushing--;
        }
    }

    void beginClose() {
        closing = true;
        wakeup();
    }

    /** Batches sent and not yet answered (read from any thread; approximate). */
    int inFlightBatches() {
        return inFlightBatches;
    }

    /**
     * The error that stopped the producer for good (e.g. not authorized to write idempotently), or null.
     * Never an authentication failure: that fails the batches that waited on it ({@link #failRefused}).
     */
    RuntimeException fatalError() {
        return fatal;
    }

    /** Fails everything still queued or in flight (close timed out). Runs on the loop; returns when done. */
    void abortAll(String why) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                for (ProducerBatch b : accumulator.incomplete()) {
                    if (inFlight.containsKey(b)) {
                        b.outcomeUnknown = true;
                    }
                    RuntimeException e = b.outcomeUnknown
                            ? new OutcomeUnknownException(why + "; " + b + " had been sent and may have been written", null)
                            : new SkeinException(why + "; " + b + " was not written");
                    finish(b, e);
                }
            } finally {
                done.complete(null);
            }
        });
        done.orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
    }

    // ---- the pass ----

    private void run() {
        wakeupPending.set(false);
        try {
            pass();
        } catch (RuntimeException e) {
            log.error("producer sender pass failed; retrying after backoff", e);
            schedule(System.nanoTime() + settings.client().retryBackoff().toNanos());
        }
    }

    private void pass() {
        long now = System.nanoTime();
        if (fatal != null) {
            failAllQueued(fatal);
            return;
        }
        RuntimeException cannotCommit = txn == null ? null : txn.cannotCommit();
        if (cannotCommit != null) {
            failUndrained(cannotCommit);
        } else if (txn != null && txn.aborting() && accumulator.hasIncomplete()) {
            // Nothing is drained while aborting, so a batch back from a retriable error would wait in its
            // queue, and EndTxn for it, until max.block.ms: it fails now (Apache Kafka's producer too
            // aborts undrained batches while aborting). Written or not, the abort marker covers it.
            failNotInFlight(new TransactionAbortedException("the transaction was aborted; this record was not committed"));
        }
        long next = expire(now);
        if (idempotence != null && txn == null && idempotence.needsInitProducerId()) {
            initProducerId(); // a transactional producer's id comes from initTransactions()
        }
        boolean txnOpen = txn == null || txn.maySend();
        Cluster cluster = client.cluster();
        Map<Integer, List<ProducerBatch>> byNode = new HashMap<>();
        Map<Integer, Integer> bytesByNode = new HashMap<>();
        Set<Integer> connecting = new HashSet<>();
        boolean needMetadata = false;
        Set<String> unknownTopics = null;
        boolean more = false;
        boolean forced = flushing > 0 || closing;
        List<TopicPartition> partitions = accumulator.partitions();
        int count = partitions.size(); // it only grows: every index below stays valid
        // Each broker's partitions are walked from its start (see drainStarts): those at or after it in
        // the first lap, those before it in the second, which is needed only when some broker has one.
        int laps = drainStarts.isEmpty() ? 1 : 2;
        for (int step = 0; step < laps * count; step++) {
            int lap = step / count;
            int i = step % count;
            TopicPartition tp = partitions.get(i);
            Deque<ProducerBatch> dq = accumulator.queue(tp);
            if (dq == null) {
                continue; // listed a moment before its queue
            }
            ProducerBatch head;
            int queued;
            synchronized (dq) {
                head = dq.peekFirst();
                queued = dq.size();
            }
            if (head == null || !txnOpen) {
                continue;
            }
            Node leader = cluster.leader(tp.topic(), tp.partition());
            if (leader == null) {
                needMetadata = true;
                if (cluster.topic(tp.topic()) == null) {
                    // Dropped from the metadata as idle just before this batch came (or never described): ask
                    // for it again, as Apache Kafka's sender adds the topics of batches without a leader.
                    unknownTopics = unknownTopics == null ? new HashSet<>() : unknownTopics;
                    unknownTopics.add(tp.topic());
                }
                continue;
            }
            if (laps == 2 && (lap == 0) != (i >= drainStarts.getOrDefault(leader.id(), 0))) {
                continue; // the other lap's
            }
            if (head.retryNotBeforeNanos > now) {
                next = Math.min(next, head.retryNotBeforeNanos);
                continue;
            }
            int[] out = requestsOut.get(leader.id());
            if (out != null && out[0] >= settings.maxInFlight()) {
                continue; // an answer wakes this loop
            }
            if (!connectionReady(leader, connecting)) {
                AuthenticationException refused = client.connections().refusal(leader.id());
                if (refused != null) {
                    // The leader refused this client a moment ago and is in backoff: the batches fail now
                    // (KIP-152), not at delivery.timeout.ms; those sent after the backoff try again.
                    failQueue(dq, refused);
                    continue;
                }
                // Drained only once the connection is open: requests then go out in the order they are
                // made. Chained on a pending connection, they would run newest first.
                next = Math.min(next, now + settings.client().retryBackoff().toNanos());
                continue;
            }
            boolean sendable = forced || head.isFull() || queued > 1 || head.attempts > 0
                    || now - head.createdNanos >= lingerNanos;
            if (!sendable) {
                next = Math.min(next, head.createdNanos + lingerNanos);
                continue;
            }
            if (idempotence != null) {
                IdempotenceManager.Verdict verdict = idempotence.canSend(tp, head);
                if (verdict == IdempotenceManager.Verdict.FAIL_OUTCOME_UNKNOWN) {
                    finish(head, new OutcomeUnknownException(head + " may have been written before its partition's"
                            + " sequence numbers fell out of step with the broker; sending it again could write it twice",
                            null));
                    more = true;
                    continue;
                }
                if (verdict == IdempotenceManager.Verdict.WAIT) {
                    continue;
                }
            }
            if (txn != null && !txn.partitionReady(tp)) {
                continue; // version 1: AddPartitionsToTxn first
            }
            int size = head.estimatedSize();
            int used = bytesByNode.getOrDefault(leader.id(), 0);
            if (used > 0 && used + size > settings.maxRequestSize()) {
                leftOut.putIfAbsent(leader.id(), i); // the first left out, in this broker's walk
                more = true;
                continue;
            }
            synchronized (dq) {
                if (dq.peekFirst() != head) {
                    more = true;
                    continue;
                }
                dq.pollFirst();
                if (!dq.isEmpty()) {
                    more = true;
                }
            }
            if (!prepare(tp, head)) {
                more = true; // it failed; the partition's next batch may go
                continue;
            }
            byNode.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(head);
            bytesByNode.merge(leader.id(), head.bytes().readableBytes(), Integer::sum);
        }
        for (Integer node : byNode.keySet()) { // a broker not drained (its in-flight cap, say) keeps its start
            Integer start = leftOut.get(node);
            if (start == null) {
                drainStarts.remove(node); // everything fitted
            } else {
                drainStarts.put(node, start);
            }
        }
        leftOut.clear();
        if (unknownTopics != null) {
            client.addTopics(unknownTopics);
        }
        if (now >= idleTopics.nextCheckNanos()) {
            expireIdleTopics(now);
        }
        next = Math.min(next, idleTopics.nextCheckNanos());
        if (needMetadata) {
            client.refreshMetadata();
            next = Math.min(next, now + settings.client().retryBackoff().toNanos());
        }
        byNode.forEach((node, batches) -> send(cluster, node, batches));
        if (txn != null) {
            txn.sendPendingAdds();
        }
        if (more) {
            wakeup();
        }
        schedule(next);
    }

    /**
     * KIP-526: drops from the metadata the topics no request carried for metadata.max.idle.ms and with no
     * batch queued or in flight; a later send asks for them again.
     */
    private void expireIdleTopics(long now) {
        List<String> idle = idleTopics.expire(client.metadata().topics(), () -> {
            Set<String> busy = new HashSet<>();
            for (ProducerBatch b : accumulator.incomplete()) {
                busy.add(b.tp.topic());
            }
            return busy;
        }, now);
        if (!idle.isEmpty()) {
            client.metadata().removeTopics(idle);
            metrics.topicsGone(idle); // their observations' per-topic meters too
            log.debug("topics not sent to for metadata.max.idle.ms ({} ms) leave the metadata: {}",
                    settings.metadataMaxIdle().toMillis(), idle);
        }
    }

    /**
     * Assigns sequence and producer state, builds the bytes; the batch is in flight from here. False when its
     * bytes cannot be built (a codec that refuses its level, no memory for the compressed batch): it has left
     * its queue and may hold sequence numbers, so it is given up here like any failed batch ({@link #finish}:
     * its futures fail, its sequence numbers go back, a transaction becomes abortable, its memory returns).
     * Otherwise it would be neither queued nor in flight, and nothing would ever complete it.
     */
    private boolean prepare(TopicPartition tp, ProducerBatch b) {
        if (b.order == null) {
            b.order = new int[] {drainCounters.computeIfAbsent(tp, k -> new int[1])[0]++};
        }
        try {
            if (idempotence != null) {
                idempotence.onSend(tp, b);
                b.build(b.producerId, b.producerEpoch, b.baseSequence, txn != null);
            } else {
                b.build(-1L, (short) -1, -1);
            }
        } catch (RuntimeException | Error e) {
            log.error("{} could not be built and fails; it was not sent", b, e);
            finish(b, new SkeinException(b + " could not be built, so it was not sent: " + e, e));
            return false;
        }
        b.attempts++;
        inFlight.put(b, Boolean.TRUE);
        inFlightBatches = inFlight.size();
        return true;
    }

    /** True when the leader's connection is open; otherwise asks for one (once per pass) and wakes up when it is. */
    private boolean connectionReady(Node leader, Set<Integer> asked) {
        if (client.connections().openConnection(leader.id()) != null) {
            return true;
        }
        if (asked.add(leader.id())) {
            CompletableFuture<BrokerConnection> f = client.connections().connection(leader);
            if (!f.isDone()) {
                f.whenComplete((c, e) -> {
                    if (e != null) {
                        client.refreshMetadata(); // the leader may have moved
                    }
                    wakeup();
                });
            }
        }
        return false;
    }

    private void send(Cluster cluster, int nodeId, List<ProducerBatch> batches) {
        long start = System.nanoTime();
        int[] out = requestsOut.computeIfAbsent(nodeId, k -> new int[1]);
        out[0]++;
        boolean expectResponse = settings.acks() != Acks.NONE;
        BrokerConnection conn = client.connections().openConnection(nodeId);
        // The names of the topic ids this request uses (v13+): its answer is read with them, not with the
        // metadata of when it comes, in which a topic deleted or created again meanwhile has no or another
        // id (KAFKA-19397: the answer was dropped, and the batch failed or was retried as outcome-unknown).
        Map<UUID, String> topicNames = new HashMap<>();
        CompletableFuture<ApiMessage> sent;
        if (conn == null) {
            sent = CompletableFuture.failedFuture(new NetworkException("the connection to broker " + nodeId
                    + " closed before the request was written", null, true));
        } else {
            try {
                short version = conn.versions().version(ApiKey.PRODUCE);
                if (txn != null && !txn.isV2()) {
                    version = (short) Math.min(version, 11); // v12+ would ask for implicit partition adds (version 2)
                }
                sent = conn.send(request(cluster, batches, version, topicNames, start), version, expectResponse);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
        }
        sent.whenComplete((resp, err) -> loop.execute(() -> {
            out[0]--;
            metrics.requestDone(System.nanoTime() - start, err, settings.client().requestTimeout());
            onResponse(nodeId, batches, (ProduceResponse) resp, err, expectResponse, topicNames);
        }));
    }

    /**
     * The request for {@code batches}; {@code topicNames} gets the name of each topic id it uses (v13+), and
     * each topic it carries is marked used (metadata.max.idle.ms) once per request, never per record.
     */
    private ProduceRequest request(Cluster cluster, List<ProducerBatch> batches, short version, Map<UUID, String> topicNames,
                                   long nowNanos) {
        Map<String, ProduceRequest.TopicProduceData> topics = new LinkedHashMap<>();
        for (ProducerBatch b : batches) {
            ProduceRequest.TopicProduceData t = topics.computeIfAbsent(b.tp.topic(), name -> {
                idleTopics.used(name, nowNanos);
                Cluster.TopicInfo info = cluster.topic(name);
                UUID id = version >= 13 && info != null ? info.id() : new UUID(0, 0);
                if (version >= 13 && info != null) {
                    topicNames.put(id, name);
                }
                return new ProduceRequest.TopicProduceData().setName(version < 13 ? name : "").setTopicId(id)
                        .setPartitionData(new ArrayList<>());
            });
            t.partitionData().add(new ProduceRequest.PartitionProduceData().setIndex(b.tp.partition()).setRecords(b.bytes()));
        }
        return new ProduceRequest().setAcks(settings.acks().wire()).setTransactionalId(txn == null ? null : txn.transactionalId())
                .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, settings.client().requestTimeout().toMillis()))
                .setTopicData(new ArrayList<>(topics.values()));
    }

    private void onResponse(int nodeId, List<ProducerBatch> batches, ProduceResponse resp, Throwable err,
                            boolean expectResponse, Map<UUID, String> topicNames) {
        if (err != null) {
            Throwable cause = Retry.cause(err);
            RuntimeException e = cause instanceof ProtocolException unreadable
                    // The broker answered, so it processed the request; its answer cannot be read (over
                    // skein.max.response.bytes, malformed): whether the batch was written is unknown.
                    ? new OutcomeUnknownException(unreadable.getMessage() + "; the batch may have been written", unreadable)
                    : cause instanceof RuntimeException re ? re : new NetworkException(cause.toString(), cause, true);
            for (ProducerBatch b : batches) {
                if (inFlight.containsKey(b)) { // not already failed by its delivery timeout
                    onBatchError(b, ErrorCode.NETWORK_EXCEPTION, e);
                }
            }
            client.refreshMetadata();
            wakeup();
            return;
        }
        if (!expectResponse) {
            for (ProducerBatch b : batches) {
                if (inFlight.containsKey(b)) {
                    onBatchSuccess(b, -1L, -1L);
                }
            }
            wakeup();
            return;
        }
        metrics.throttled(resp.throttleTimeMs()); // the connection itself holds off (KIP-219)
        ProduceResponses answers = new ProduceResponses(resp, topicNames::get);
        // KIP-951: a refusal for want of leadership names the new leader; turn to it at once.
        boolean rerouted = !answers.leaderHints().isEmpty()
                && client.metadata().applyLeaderHints(answers.leaderHints(), answers.endpoints());
        for (ProducerBatch b : batches) {
            if (!inFlight.containsKey(b)) {
                continue; // failed meanwhile by its delivery timeout: the answer comes too late
            }
            ProduceResponse.PartitionProduceResponse p = answers.answer(b.tp);
            if (p == null) {
                onBatchError(b, ErrorCode.NETWORK_EXCEPTION, new OutcomeUnknownException("broker " + nodeId
                        + " answered without a result for " + b.tp, null));
                continue;
            }
            ErrorCode code = ErrorCode.forCode(p.errorCode());
            if (code == ErrorCode.NONE) {
                onBatchSuccess(b, p.baseOffset(), p.logAppendTimeMs());
                continue;
            }
            RuntimeException error = code.exception("Produce to " + b.tp + " on broker " + nodeId,
                    code == ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT ? oldFormat(p.errorMessage()) : p.errorMessage());
            if (!p.recordErrors().isEmpty()) {
                b.recordErrors = recordErrors(b, code, p);
            }
            boolean hinted = rerouted && ProduceErrors.isLeaderError(code) && answers.namesLeaderOf(b.tp);
            onBatchError(b, code, error, hinted);
        }
        wakeup();
    }

    /**
     * The broker's message for UNSUPPORTED_FOR_MESSAGE_FORMAT, with what it means for a Produce: the topic keeps
     * a format before Kafka 0.11 (its {@code message.format.version}, honoured by brokers whose
     * inter.broker.protocol.version is below 3.0, KIP-724), which has no producer ids (idempotence,
     * transactions) nor record headers.
     */
    private static String oldFormat(String brokerMessage) {
        return (brokerMessage == null || brokerMessage.isEmpty() ? "" : brokerMessage + "; ")
                + "the topic's message.format.version is below 0.11, which holds neither idempotent or transactional"
                + " batches nor record headers: send to it with enable.idempotence=false and no headers, or raise the"
                + " topic's message.format.version";
    }

    /** KIP-467: the records the broker named fail with its reason, the others for their neighbours' sake. */
    private static List<RuntimeException> recordErrors(ProducerBatch b, ErrorCode code,
                                                        ProduceResponse.PartitionProduceResponse p) {
        Map<Integer, String> named = new HashMap<>();
        p.recordErrors().forEach(e -> named.put(e.batchIndex(), e.batchIndexErrorMessage()));
        return ProduceErrors.recordErrors(b.toString(), b.recordCount(), code, named, p.errorMessage());
    }

    private void onBatchSuccess(ProducerBatch b, long baseOffset, long logAppendTime) {
        inFlightBatches = Math.max(0, inFlight.size() - 1);
        if (idempotence != null) {
            idempotence.onSuccess(b.tp, b);
        }
        metrics.batchSent(b);
        inFlight.remove(b);
        b.complete(baseOffset, logAppendTime, callbacks);
        accumulator.deallocate(b);
    }

    private void onBatchError(ProducerBatch b, ErrorCode code, RuntimeException error) {
        onBatchError(b, code, error, false);
    }

    /** {@code rerouted}: the response named the partition's new leader, already in metadata: retry at once. */
    private void onBatchError(ProducerBatch b, ErrorCode code, RuntimeException error, boolean rerouted) {
        inFlight.remove(b);
        inFlightBatches = inFlight.size();
        long now = System.nanoTime();
        boolean timeLeft = now - b.createdNanos < settings.deliveryTimeout().toNanos();
        boolean retriable = ProduceErrors.isRetriable(code, error) && timeLeft && b.attempts <= settings.retries();
        metrics.error(code);
        if (code == ErrorCode.MESSAGE_TOO_LARGE && b.recordCount() > 1) {
            split(b);
            return;
        }
        if (ProduceErrors.isLeaderError(code) && !rerouted) {
            client.refreshMetadata();
        }
        boolean unknown = ProduceErrors.mayHaveBeenWritten(code, error, settings.acks() == Acks.ALL);
        IdempotenceManager.Action action;
        if (idempotence != null) {
            action = idempotence.onError(b.tp, b, code, retriable, unknown);
        } else {
            b.outcomeUnknown |= unknown;
            action = retriable ? IdempotenceManager.Action.RETRY : IdempotenceManager.Action.FAIL;
        }
        switch (action) {
            case SUCCESS -> onBatchSuccess(b, -1L, -1L);
            case RETRY -> {
                metrics.retry();
                long backoff = rerouted ? 0 : backoffNanos(b.attempts);
                b.retryNotBeforeNanos = now + backoff;
                log.debug("retrying {} after {}: {}", b, code, error.getMessage());
                accumulator.reenqueue(b);
            }
            case FAIL -> finish(b, finalError(b, code, error, timeLeft));
        }
    }

    private RuntimeException finalError(ProducerBatch b, ErrorCode code, RuntimeException error, boolean timeLeft) {
        if (timeLeft && b.outcomeUnknown && ProduceErrors.isRetriable(code, error)) {
            return new OutcomeUnknownException(b + " failed after " + b.attempts + " attempt(s) (retries "
                    + settings.retries() + "); it may have been written. Last error: " + error.getMessage(), error);
        }
        if (!timeLeft) {
            return b.outcomeUnknown
                    ? new OutcomeUnknownException(b + " was not acknowledged within delivery.timeout.ms ("
                            + settings.deliveryTimeout().toMillis() + " ms); it may have been written. Last error: "
                            + error.getMessage(), error)
                    : new TimeoutException(b + " expired after delivery.timeout.ms without being sent", error, true);
        }
        return error;
    }

    private long backoffNanos(int attempts) {
        return Backoff.nanos(attempts, settings.client().retryBackoff(),
                settings.client().retryBackoffMax());
    }

    /**
     * Splits a batch the broker refused as too large into batches of half the size (in bytes). The parts
     * take over its sequence range (it was not written), and it is done only when they all are, so a
     * flush or a commit waits for every part.
     */
    private void split(ProducerBatch b) {
        log.info("{} is too large for the broker; splitting it", b);
        List<ProducerBatch> parts = BatchSplitter.split(b, accumulator, settings);
        if (idempotence != null) {
            idempotence.onSplit(b.tp, b, parts);
        }
        for (int i = parts.size() - 1; i >= 0; i--) {
            accumulator.addFirst(parts.get(i));
        }
        accumulator.deallocate(b);
        CompletableFuture.allOf(parts.stream().map(p -> p.done).toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> b.done.complete(null));
    }

    /**
     * Fails batches whose delivery timeout passed, queued or in flight (those in flight as
     * outcome-unknown: their answer, should it come, is ignored); returns the next deadline.
     */
    private long expire(long now) {
        long next = Long.MAX_VALUE;
        long timeout = settings.deliveryTimeout().toNanos();
        List<ProducerBatch> lateInFlight = new ArrayList<>();
        for (ProducerBatch b : inFlight.keySet()) {
            if (now - b.createdNanos >= timeout) {
                lateInFlight.add(b);
            } else {
                next = Math.min(next, b.createdNanos + timeout);
            }
        }
        for (ProducerBatch b : lateInFlight) {
            b.outcomeUnknown = true;
            finish(b, new OutcomeUnknownException(b + " was sent and not acknowledged within delivery.timeout.ms ("
                    + settings.deliveryTimeout().toMillis() + " ms); it may have been written", null));
        }
        for (TopicPartition tp : accumulator.partitions()) {
            Deque<ProducerBatch> dq = accumulator.queue(tp);
            if (dq == null) {
                continue; // listed a moment before its queue
            }
            List<ProducerBatch> expired = new ArrayList<>();
            synchronized (dq) {
                while (!dq.isEmpty() && now - dq.peekFirst().createdNanos >= timeout) {
                    expired.add(dq.pollFirst());
                }
                if (!dq.isEmpty()) {
                    next = Math.min(next, dq.peekFirst().createdNanos + timeout);
                }
            }
            for (ProducerBatch b : expired) {
                finish(b, finalError(b, ErrorCode.REQUEST_TIMED_OUT,
                        new TimeoutException("no leader or no acknowledgment for " + tp, null, true), false));
            }
        }
        return next;
    }

    private void finish(ProducerBatch b, RuntimeException e) {
        if (txn != null) {
            txn.onBatchFailed(e);
        }
        inFlight.remove(b);
        inFlightBatches = inFlight.size();
        if (idempotence != null) {
            idempotence.onGivenUp(b.tp, b);
        }
        Deque<ProducerBatch> dq = accumulator.queue(b.tp);
        if (dq != null) {
            synchronized (dq) {
                dq.remove(b);
            }
        }
        metrics.recordErrors(b.recordCount());
        b.fail(e, callbacks);
        accumulator.deallocate(b);
    }

    /** Fails every batch waiting in {@code dq} (none of them is in flight). On the loop. */
    private void failQueue(Deque<ProducerBatch> dq, RuntimeException e) {
        List<ProducerBatch> queued;
        synchronized (dq) {
            queued = new ArrayList<>(dq);
        }
        for (ProducerBatch b : queued) {
            finish(b, e);
        }
    }

    private void failAllQueued(RuntimeException e) {
        for (ProducerBatch b : accumulator.incomplete()) {
            if (!inFlight.containsKey(b)) {
                finish(b, e);
            }
        }
    }

    private void initProducerId() {
        idempotence.onInitSent();
        InitProducerIdRequest req = new InitProducerIdRequest().setTransactionalId(null).setTransactionTimeoutMs(60_000)
                .setProducerId(idempotence.producerId()).setProducerEpoch(idempotence.epoch());
        CompletableFuture<InitProducerIdResponse> sent;
        try {
            sent = client.sendToAny(req);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((resp, err) -> loop.execute(() -> {
            ErrorCode code = err != null ? null : ErrorCode.forCode(resp.errorCode());
            if (code == ErrorCode.NONE) {
                boolean bump = idempotence.producerId() >= 0;
                idempotence.onInitialized(resp.producerId(), resp.producerEpoch());
                log.info("{} producer id {} epoch {}", bump ? "bumped to" : "got", resp.producerId(), resp.producerEpoch());
            } else {
                idempotence.onInitFailed();
                if (code == ErrorCode.CLUSTER_AUTHORIZATION_FAILED || code == ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) {
                    fatal = code.exception("InitProducerId: this principal may not write idempotently (enable.idempotence)");
                } else {
                    log.debug("InitProducerId failed: {}", err != null ? err.toString() : code);
                    schedule(System.nanoTime() + settings.client().retryBackoff().toNanos());
                    return;
                }
            }
            wakeup();
        }));
    }

    /** The event loop timer's granularity; see {@link #lingerNanos}. */
    private static final long LINGER_SLACK_NANOS = 1_000_000;

    private void schedule(long deadlineNanos) {
        if (deadlineNanos == Long.MAX_VALUE) {
            return;
        }
        if (timer != null && !timer.isDone() && timerDeadline <= deadlineNanos) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerDeadline = deadlineNanos;
        timer = loop.schedule(this::wakeup, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
