package dev.skein.admin.internal;

import dev.skein.admin.AbortSpec;
import dev.skein.admin.FencedProducer;
import dev.skein.admin.ProducerState;
import dev.skein.admin.Results;
import dev.skein.admin.TransactionAdmin;
import dev.skein.admin.TransactionDescription;
import dev.skein.admin.TransactionListing;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.DescribeProducersRequest;
import dev.skein.core.message.DescribeProducersResponse;
import dev.skein.core.message.DescribeTransactionsRequest;
import dev.skein.core.message.DescribeTransactionsResponse;
import dev.skein.core.message.InitProducerIdRequest;
import dev.skein.core.message.InitProducerIdResponse;
import dev.skein.core.message.ListTransactionsRequest;
import dev.skein.core.message.ListTransactionsResponse;
import dev.skein.core.message.WriteTxnMarkersRequest;
import dev.skein.core.message.WriteTxnMarkersResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * {@link TransactionAdmin}: ListTransactions on every broker, DescribeTransactions at each id's
 * coordinator, DescribeProducers and WriteTxnMarkers at partition leaders, InitProducerId (fencing) at
 * each id's coordinator.
 */
final class TransactionCalls implements TransactionAdmin {
    private static final byte TRANSACTION = 1;
    /** The transaction timeout a fence leaves on its id: a producer's default transaction.timeout.ms. */
    private static final int FENCE_TRANSACTION_TIMEOUT_MS = 60_000;

    private final Calls calls;

    TransactionCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public CompletableFuture<List<TransactionListing>> list() {
        return calls.retrying("list transactions", () -> calls.client().awaitReady(calls.client().options().requestTimeout())
                .thenCompose(cluster -> {
                    List<CompletableFuture<ListTransactionsResponse>> perBroker = new ArrayList<>();
                    for (Node n : cluster.brokers().values()) {
                        perBroker.add(calls.toBroker(n.id(), ApiKey.LIST_TRANSACTIONS, v -> new ListTransactionsRequest()
                                .setStateFilters(new ArrayList<>()).setProducerIdFilters(new ArrayList<>())
                                .setDurationFilter(-1).setTransactionalIdPattern(null)));
                    }
                    return CompletableFuture.allOf(perBroker.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        Map<String, TransactionListing> out = new TreeMap<>();
                        for (CompletableFuture<ListTransactionsResponse> f : perBroker) {
                            ListTransactionsResponse r = f.join();
                            ErrorCode code = ErrorCode.forCode(r.errorCode());
                            if (code != ErrorCode.NONE) {
                                throw code.exception("list transactions");
                            }
                            r.transactionStates().forEach(s -> out.put(s.transactionalId(),
                                    new TransactionListing(s.transactionalId(), s.producerId(), s.transactionState())));
                        }
                        return List.copyOf(out.values());
                    });
                }));
    }

    @Override
    public Results<String, TransactionDescription> describe(Collection<String> transactionalIds) {
        return calls.perItem("describe transactions", transactionalIds, pending -> {
            Map<String, CompletableFuture<Calls.Outcome<TransactionDescription>>> parts = new LinkedHashMap<>();
            for (String id : pending) {
                parts.put(id, calls.coordinator(TRANSACTION, id).thenCompose(node -> calls.<DescribeTransactionsResponse>toBroker(
                        node, ApiKey.DESCRIBE_TRANSACTIONS, v -> new DescribeTransactionsRequest().setTransactionalIds(List.of(id)))
                        .thenApply(r -> describeOne(id, node, r.transactionStates().get(0))))
                        .exceptionally(t -> Calls.Outcome.failed(Calls.unwrap(t) instanceof SkeinException s ? s
                                : new SkeinException(t.toString(), t))));
            }
            return CompletableFuture.allOf(parts.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                Map<String, Calls.Outcome<TransactionDescription>> out = new HashMap<>();
                parts.forEach((id, f) -> out.put(id, f.join()));
                return out;
            });
        });
    }

    private Calls.Outcome<TransactionDescription> describeOne(String id, int node, DescribeTransactionsResponse.TransactionState s) {
        ErrorCode code = ErrorCode.forCode(s.errorCode());
        if (code != ErrorCode.NONE) {
            if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
                calls.forgetCoordinator(TRANSACTION, id);
            }
            String detail = code == ErrorCode.TRANSACTIONAL_ID_NOT_FOUND ? "transactional id " + id + " does not exist"
                    : "describe transactional id " + id;
            return Calls.Outcome.failed(code.exception(detail));
        }
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        s.topics().forEach(t -> t.partitions().forEach(p -> partitions.add(new TopicPartition(t.topic(), p))));
        return Calls.Outcome.ok(new TransactionDescription(id, calls.client().cluster().broker(node), s.transactionState(),
                s.producerId(), s.producerEpoch(), s.transactionTimeoutMs(), s.transactionStartTimeMs(), partitions));
    }

    @Override
    public Results<TopicPartition, List<ProducerState>> describeProducers(Collection<TopicPartition> partitions) {
        return calls.perItem("describe producers", partitions, pending -> RecordCalls.perLeader(calls, pending, (leader, tps) ->
                calls.<DescribeProducersResponse>toBroker(leader, ApiKey.DESCRIBE_PRODUCERS, v -> {
                    Map<String, DescribeProducersRequest.TopicRequest> topics = new LinkedHashMap<>();
                    tps.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new DescribeProducersRequest.TopicRequest()
                            .setName(t).setPartitionIndexes(new ArrayList<>())).partitionIndexes().add(tp.partition()));
                    return new DescribeProducersRequest().setTopics(new ArrayList<>(topics.values()));
                }).thenApply(r -> {
                    Map<TopicPartition, Calls.Outcome<List<ProducerState>>> out = new HashMap<>();
                    for (DescribeProducersResponse.TopicResponse t : r.topics()) {
                        for (DescribeProducersResponse.PartitionResponse p : t.partitions()) {
                            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                            ErrorCode code = ErrorCode.forCode(p.errorCode());
                            if (code != ErrorCode.NONE) {
                                out.put(tp, Calls.Outcome.failed(code.exception("describe producers of " + tp, p.errorMessage())));
                                continue;
                            }
                            List<ProducerState> producers = new ArrayList<>();
                            p.activeProducers().forEach(s -> producers.add(new ProducerState(s.producerId(), s.producerEpoch(),
                                    s.lastSequence(), s.lastTimestamp(), s.coordinatorEpoch(), s.currentTxnStartOffset())));
                            out.put(tp, Calls.Outcome.ok(producers));
                        }
                    }
                    return out;
                })));
    }

    @Override
    public CompletableFuture<Void> abort(AbortSpec spec) {
        TopicPartition tp = spec.partition();
        return calls.perItem("abort transaction", List.of(tp), pending -> RecordCalls.perLeader(calls, pending, (leader, tps) ->
                calls.<WriteTxnMarkersResponse>toBroker(leader, ApiKey.WRITE_TXN_MARKERS, v -> new WriteTxnMarkersRequest()
                        .setMarkers(List.of(new WriteTxnMarkersRequest.WritableTxnMarker().setProducerId(spec.producerId())
                                .setProducerEpoch(spec.producerEpoch()).setTransactionResult(false)
                                .setCoordinatorEpoch(spec.coordinatorEpoch())
                                .setTopics(List.of(new WriteTxnMarkersRequest.WritableTxnMarkerTopic().setName(tp.topic())
                                        .setPartitionIndexes(List.of(tp.partition())))))))
                        .thenApply(r -> {
                            Map<TopicPartition, Calls.Outcome<Void>> out = new HashMap<>();
                            r.markers().forEach(m -> m.topics().forEach(t -> t.partitions().forEach(p -> out.put(
                                    new TopicPartition(t.name(), p.partitionIndex()), TopicCalls.outcome(p.errorCode(),
                                            "abort the transaction of producer " + spec.producerId() + " on " + tp, null)))));
                            return out;
                        }))).get(tp);
    }

    /**
     * InitProducerId for each id at its coordinator, with no producer id or epoch of ours: the coordinator
     * takes it as a new instance of the id, aborts the transaction open under the old epoch and bumps the
     * epoch. While it completes that abort it answers CONCURRENT_TRANSACTIONS (retriable: asked again).
     */
    @Override
    public Results<String, FencedProducer> fenceProducers(Collection<String> transactionalIds) {
        int timeoutMs = Math.min(FENCE_TRANSACTION_TIMEOUT_MS, calls.brokerTimeoutMs());
        return calls.perItem("fence producers", transactionalIds, pending -> {
            Map<String, CompletableFuture<Calls.Outcome<FencedProducer>>> parts = new LinkedHashMap<>();
            for (String id : pending) {
                parts.put(id, calls.coordinator(TRANSACTION, id).thenCompose(node -> calls.<InitProducerIdResponse>toBroker(
                        node, ApiKey.INIT_PRODUCER_ID, v -> new InitProducerIdRequest().setTransactionalId(id)
                                .setTransactionTimeoutMs(timeoutMs)))
                        .thenApply(r -> fenced(id, r))
                        .exceptionally(t -> Calls.Outcome.failed(Calls.unwrap(t) instanceof SkeinException s ? s
                                : new SkeinException(t.toString(), t))));
            }
            return CompletableFuture.allOf(parts.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                Map<String, Calls.Outcome<FencedProducer>> out = new HashMap<>();
                parts.forEach((id, f) -> out.put(id, f.join()));
                return out;
            });
        });
    }

    private Calls.Outcome<FencedProducer> fenced(String id, InitProducerIdResponse r) {
        ErrorCode code = ErrorCode.forCode(r.errorCode());
        if (code == ErrorCode.NONE) {
            return Calls.Outcome.ok(new FencedProducer(id, r.producerId(), r.producerEpoch()));
        }
        if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
            calls.forgetCoordinator(TRANSACTION, id);
        }
        return Calls.Outcome.failed(code.exception("fence the producers of transactional id " + id));
    }
}
