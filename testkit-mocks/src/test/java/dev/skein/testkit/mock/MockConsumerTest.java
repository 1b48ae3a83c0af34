package dev.skein.testkit.mock;

import dev.skein.consumer.CommitFailedException;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.NoOffsetForPartitionException;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.RebalanceListener;
import dev.skein.consumer.WakeupException;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MockConsumerTest {
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);
    private static final TopicPartition T2 = new TopicPartition("t", 2);

    private static List<String> values(ConsumerRecords<String, String> records) {
        List<String> out = new ArrayList<>();
        records.forEach(r -> out.add(r.value()));
        return out;
    }

    /** Records what the listener is told, in order. */
    private static final class Recording implements RebalanceListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            events.add("revoked " + new java.util.TreeSet<>(partitions.stream().map(TopicPartition::toString).toList()));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            events.add("assigned " + new java.util.TreeSet<>(partitions.stream().map(TopicPartition::toString).toList()));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            events.add("lost " + new java.util.TreeSet<>(partitions.stream().map(TopicPartition::toString).toList()));
        }
    }

    @Test
    void pollReturnsTheAddedRecordsFromEachPositionWithinMaxPollRecords() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder()
                .offsetReset(OffsetReset.EARLIEST).maxPollRecords(3).build();
        consumer.assign(List.of(T0));
        for (int i = 0; i < 5; i++) {
            consumer.addRecord(T0, "k", "v" + i);
        }
        assertEquals(List.of("v0", "v1", "v2"), values(consumer.poll(Duration.ZERO)));
        assertEquals(3, consumer.position(T0));
        assertEquals(OptionalLong.of(2), consumer.currentLag(T0));
        consumer.seek(T0, 1);
        assertEquals(List.of("v1", "v2", "v3"), values(consumer.poll(Duration.ZERO)));
        consumer.seekToEnd(List.of(T0));
        assertEquals(5, consumer.position(T0));
        assertTrue(consumer.poll(Duration.ZERO).isEmpty());
        assertEquals(Map.of(T0, 0L), consumer.beginningOffsets(List.of(T0)));
        assertEquals(Map.of(T0, 5L, T1, 0L), consumer.endOffsets(List.of(T0, T1)));
    }

    @Test
    void latestIsTheDefaultResetAndNoneRaisesNoOffsetForPartition() {
        MockConsumer<String, String> latest = MockConsumer.<String, String>builder().build();
        latest.addRecord(T0, "k", "old");
        latest.assign(List.of(T0));
        assertTrue(latest.poll(Duration.ZERO).isEmpty(), "latest skips what was there");
        latest.addRecord(T0, "k", "new");
        assertEquals(List.of("new"), values(latest.poll(Duration.ZERO)));

        MockConsumer<String, String> none = MockConsumer.<String, String>builder().offsetReset(OffsetReset.NONE).build();
        none.assign(List.of(T0));
        assertThrows(NoOffsetForPartitionException.class, () -> none.poll(Duration.ZERO));
    }

    @Test
    void pausedPartitionsReturnNothingUntilResumed() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().offsetReset(OffsetReset.EARLIEST).build();
        consumer.assign(List.of(T0, T1));
        consumer.addRecord(T0, "k", "a");
        consumer.addRecord(T1, "k", "b");
        consumer.pause(List.of(T1));
        assertEquals(Set.of(T1), consumer.paused());
        assertEquals(List.of("a"), values(consumer.poll(Duration.ZERO)));
        consumer.resume(List.of(T1));
        assertEquals(List.of("b"), values(consumer.poll(Duration.ZERO)));
    }

    @Test
    void callsOnPartitionsNotAssignedOrWithoutAGroupOrAfterCloseThrowIllegalState() {
        MockConsumer<String, String> noGroup = MockConsumer.<String, String>builder().build();
        assertThrows(IllegalStateException.class, () -> noGroup.subscribe(List.of("t")));
        assertThrows(IllegalStateException.class, () -> noGroup.commitSync(Map.of(T0, OffsetAndMetadata.of(1))));
        assertThrows(IllegalStateException.class, noGroup::groupMetadata);
        assertThrows(IllegalStateException.class, () -> noGroup.position(T0));
        assertThrows(IllegalStateException.class, () -> noGroup.seek(T0, 3));
        assertThrows(IllegalStateException.class, () -> noGroup.pause(List.of(T0)));
        assertThrows(IllegalArgumentException.class, () -> {
            noGroup.assign(List.of(T0));
            noGroup.seek(T0, -1);
        });

        MockConsumer<String, String> member = MockConsumer.<String, String>builder().groupId("g").build();
        member.subscribe(List.of("t"));
        assertThrows(IllegalStateException.class, () -> member.assign(List.of(T0)), "assign while subscribed");
        member.close();
        assertThrows(IllegalStateException.class, () -> member.poll(Duration.ZERO));
        assertThrows(IllegalStateException.class, member::commitSync);
        member.close(); // twice is fine
    }

    @Test
    void wakeupMakesTheNextPollThrowOnceAndEndsAWaitingPoll() throws Exception {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().build();
        consumer.assign(List.of(T0));
        consumer.wakeup();
        assertThrows(WakeupException.class, () -> consumer.poll(Duration.ofSeconds(5)));
        assertTrue(consumer.poll(Duration.ZERO).isEmpty(), "only once");

        CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                consumer.poll(Duration.ofSeconds(30));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        // the poll may or may not have started waiting yet: wakeup() then applies to it either way
        consumer.wakeup();
        assertInstanceOf(WakeupException.class, waiting.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aRecordAddedFromAnotherThreadEndsAWaitingPoll() throws Exception {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().offsetReset(OffsetReset.EARLIEST).build();
        consumer.assign(List.of(T0));
        consumer.position(T0);
        CompletableFuture<ConsumerRecords<String, String>> polled =
                CompletableFuture.supplyAsync(() -> consumer.poll(Duration.ofSeconds(30)));
        consumer.addRecord(T0, "k", "late");
        assertEquals(List.of("late"), values(polled.get(10, TimeUnit.SECONDS)));
    }

    @Test
    void atLeastOnceCommitsWhatThePreviousPollReturnedWhenTheNextStartsAndOnClose() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .offsetReset(OffsetReset.EARLIEST).build();
        consumer.subscribe(List.of("t"));
        consumer.rebalance(List.of(T0));
        consumer.addRecord(T0, "k", "a");
        consumer.addRecord(T0, "k", "b");
        assertEquals(List.of("a", "b"), values(consumer.poll(Duration.ZERO)));
        assertTrue(consumer.commitHistory().isEmpty(), "nothing is committed before the next poll");
        consumer.addRecord(T0, "k", "c");
        consumer.poll(Duration.ZERO);
        assertEquals(List.of(Map.of(T0, OffsetAndMetadata.of(2))), consumer.commitHistory());
        consumer.close();
        assertEquals(Map.of(T0, OffsetAndMetadata.of(3)), consumer.commitHistory().get(1));
    }

    @Test
    void atMostOnceCommitsBeforePollReturnsAndAFailedCommitHandsNothingOut() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .delivery(Delivery.AT_MOST_ONCE).offsetReset(OffsetReset.EARLIEST).build();
        consumer.subscribe(List.of("t"));
        consumer.rebalance(List.of(T0));
        consumer.addRecord(T0, "k", "a");
        consumer.failNextCommit(new IllegalStateException("coordinator gone"));
        assertThrows(CommitFailedException.class, () -> consumer.poll(Duration.ZERO));
        assertEquals(0, consumer.position(T0), "rewound: the records were not handed out");
        assertEquals(List.of("a"), values(consumer.poll(Duration.ZERO)));
        assertEquals(Map.of(T0, OffsetAndMetadata.of(1)), consumer.committed(Set.of(T0)));
    }

    @Test
    void manualCommitsAreRecordedAndAsyncCallbacksRunInTheNextPoll() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build();
        consumer.assign(List.of(T0));
        consumer.addRecord(T0, "k", "a");
        consumer.poll(Duration.ZERO);
        assertTrue(consumer.committed(Set.of(T0)).isEmpty(), "manual: nothing committed by itself");
        List<Map<TopicPartition, OffsetAndMetadata>> called = new ArrayList<>();
        consumer.commitAsync((offsets, error) -> {
            assertNull(error);
            called.add(offsets);
        });
        assertTrue(called.isEmpty(), "the callback waits for a later call");
        consumer.poll(Duration.ZERO);
        assertEquals(List.of(Map.of(T0, OffsetAndMetadata.of(1))), called);
        consumer.commitSync(Map.of(T1, OffsetAndMetadata.of(9))); // a partition not assigned: the broker takes it
        assertEquals(OffsetAndMetadata.of(9), consumer.committed(Set.of(T0, T1)).get(T1));
        assertEquals(2, consumer.commitHistory().size());
    }

    @Test
    void closeRunsTheCallbacksOfAsyncCommitsAsTheRealConsumerDoes() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build();
        consumer.assign(List.of(T0));
        consumer.addRecord(T0, "k", "a");
        consumer.poll(Duration.ZERO);
        List<Map<TopicPartition, OffsetAndMetadata>> called = new ArrayList<>();
        consumer.commitAsync((offsets, error) -> called.add(offsets));
        consumer.close();
        assertEquals(List.of(Map.of(T0, OffsetAndMetadata.of(1))), called, "the last commit's callback ran on close");
    }

    @Test
    void aListenerThatThrowsOnCloseIsLoggedAndTheCloseCarriesOnAsInTheRealConsumer() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .offsetReset(OffsetReset.EARLIEST).build();
        consumer.subscribe(List.of("t"), new RebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                throw new IllegalStateException("listener broke");
            }
        });
        consumer.rebalance(List.of(T0));
        consumer.addRecord(T0, "k", "a");
        consumer.poll(Duration.ZERO);
        consumer.close();
        assertTrue(consumer.closed());
        assertEquals(List.of(Map.of(T0, OffsetAndMetadata.of(1))), consumer.commitHistory(), "the final commit came first");
        assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO), "closed");
    }

    @Test
    void aListenerThatThrowsInPollLetsTheRebalanceFinishAndPollRaisesItOnceAsInTheRealConsumer() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .offsetReset(OffsetReset.EARLIEST).build();
        List<Collection<TopicPartition>> assignedCalls = new ArrayList<>();
        consumer.subscribe(List.of("t"), new RebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                throw new IllegalStateException("revoke broke");
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                assignedCalls.add(partitions);
            }
        });
        consumer.rebalance(List.of(T0));
        consumer.addRecord(T0, "k", "a");
        assertEquals(1, consumer.poll(Duration.ZERO).count());
        consumer.rebalance(List.of(T1));
        consumer.addRecord(T1, "k", "b");
        IllegalStateException raised = assertThrows(IllegalStateException.class, () -> consumer.poll(Duration.ZERO));
        assertEquals("revoke broke", raised.getMessage());
        // The real consumer's ConsumerGroup goes on with the rebalance and raises the listener's first
        // exception at the end of it, once.
        assertEquals(Set.of(T1), consumer.assignment(), "the rebalance finished despite the listener");
        assertEquals(List.of(List.of(T0), List.of(T1)), assignedCalls, "onPartitionsAssigned still ran");
        assertEquals(1, consumer.poll(Duration.ZERO).count(), "raised once; the next poll reads on");
    }

    @Test
    void aSimulatedRebalanceIsAppliedInsidePollWithIncrementalRevocationByDefault() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .offsetReset(OffsetReset.EARLIEST).build();
        Recording listener = new Recording();
        consumer.subscribe(List.of("t"), listener);
        consumer.rebalance(List.of(T0, T1));
        assertTrue(consumer.assignment().isEmpty(), "not before poll");
        assertEquals(-1, consumer.groupMetadata().generationId());
        consumer.addRecord(T1, "k", "b");
        consumer.poll(Duration.ZERO);
        assertEquals(Set.of(T0, T1), consumer.assignment());
        assertEquals(1, consumer.groupMetadata().generationId());
        consumer.rebalance(List.of(T0, T2));
        consumer.poll(Duration.ZERO);
        assertEquals(List.of("assigned [t-0, t-1]", "revoked [t-1]", "assigned [t-2]"), listener.events);
        assertEquals(Map.of(T1, OffsetAndMetadata.of(1)), consumer.committed(Set.of(T1)),
                "at-least-once committed the revoked partition's progress");
        assertThrows(IllegalArgumentException.class, () -> {
            consumer.rebalance(List.of(new TopicPartition("other", 0)));
            consumer.poll(Duration.ZERO);
        }, "a partition outside the subscription");
    }

    @Test
    void eagerRebalancesRevokeEverythingAndAFencedMemberLosesItsPartitionsAndCannotCommit() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("g")
                .eagerRebalances().build();
        Recording listener = new Recording();
        consumer.subscribe(List.of("t"), listener);
        consumer.rebalance(List.of(T0, T1));
        consumer.poll(Duration.ZERO);
        consumer.rebalance(List.of(T0));
        consumer.poll(Duration.ZERO);
        consumer.fenceMember();
        assertThrows(CommitFailedException.class, () -> consumer.commitSync(Map.of(T0, OffsetAndMetadata.of(0))));
        consumer.poll(Duration.ZERO);
        assertEquals(List.of("assigned [t-0, t-1]", "revoked [t-0, t-1]", "assigned [t-0]", "lost [t-0]"), listener.events);
        assertTrue(consumer.assignment().isEmpty());
        assertEquals(-1, consumer.groupMetadata().generationId());
        consumer.rebalance(List.of(T1));
        consumer.poll(Duration.ZERO);
        consumer.commitSync(Map.of(T1, OffsetAndMetadata.of(0)));
        assertFalse(consumer.commitHistory().isEmpty());
    }

    @Test
    void scheduledPollTasksRunOnePerPoll() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().offsetReset(OffsetReset.EARLIEST).build();
        consumer.assign(List.of(T0));
        consumer.schedulePollTask(() -> consumer.addRecord(T0, "k", "first"));
        consumer.schedulePollTask(consumer::wakeup);
        assertEquals(List.of("first"), values(consumer.poll(Duration.ZERO)));
        assertThrows(WakeupException.class, () -> consumer.poll(Duration.ZERO));
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterTheTimestamp() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().build();
        consumer.addRecord(new ConsumerRecord<>("t", 0, 10, 100, false, "k", "a", List.of(), 1, 1, -1));
        consumer.addRecord(new ConsumerRecord<>("t", 0, 12, 200, false, "k", "b", List.of(), 1, 1, -1));
        assertThrows(IllegalArgumentException.class,
                () -> consumer.addRecord(new ConsumerRecord<>("t", 0, 11, 300, false, "k", "c", List.of(), 1, 1, -1)));
        assertEquals(12, consumer.offsetsForTimes(Map.of(T0, 150L)).get(T0).offset());
        assertTrue(consumer.offsetsForTimes(Map.of(T0, 250L)).isEmpty());
        assertEquals(Map.of(T0, 10L), consumer.beginningOffsets(List.of(T0)));
    }

    @Test
    void theClassJavadocExampleHolds() {
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder()
                .groupId("billing").offsetReset(OffsetReset.EARLIEST).build();
        TopicPartition orders = new TopicPartition("orders", 0);
        consumer.addRecord(orders, "customer-1", "two apples");
        consumer.rebalance(List.of(orders));
        try (consumer) { // a loop under test: subscribes, polls, bills, closes
            consumer.subscribe(List.of("orders"));
            assertEquals(List.of("two apples"), values(consumer.poll(Duration.ofSeconds(1))));
        }
        assertEquals(List.of(Map.of(orders, OffsetAndMetadata.of(1))), consumer.commitHistory());
    }
}
