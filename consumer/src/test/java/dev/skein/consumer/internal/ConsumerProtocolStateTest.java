package dev.skein.consumer.internal;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ConsumerGroupHeartbeatRequest;
import dev.skein.core.message.ConsumerGroupHeartbeatResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer group protocol's member (KIP-848) on a manual clock: what it sends when, and what each
 * answer does to it. Times are nanoseconds; nothing here sleeps or touches the network.
 */
class ConsumerProtocolStateTest {
    private static final long MS = 1_000_000L;
    private static final UUID T_ID = UUID.randomUUID();
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);
    private static final long BACKOFF = 100 * MS;

    /** Metadata as the machine sees it: tests add and remove topics. */
    private final Map<String, UUID> known = new HashMap<>(Map.of("t", T_ID));
    private final ConsumerProtocolState.TopicIds ids = new ConsumerProtocolState.TopicIds() {
        @Override
        public String name(UUID id) {
            return known.entrySet().stream().filter(e -> e.getValue().equals(id)).map(Map.Entry::getKey).findFirst().orElse(null);
        }

        @Override
        public UUID id(String topic) {
            return known.get(topic);
        }
    };
    private long now = 1_000 * MS;
    private long lastPoll = now;

    private static GroupConfig config(String instanceId) {
        return new GroupConfig("g", instanceId, null, Duration.ofSeconds(45), Duration.ofSeconds(3),
                Duration.ofSeconds(300), Duration.ofMillis(100), Duration.ofSeconds(1), null, List.of(ClassicAssignor.RANGE));
    }

    /** Jitter 0.5 makes the backoff exactly base * 2^(failures-1). */
    private ConsumerProtocolState machine(String instanceId, boolean mayFallBack) {
        return new ConsumerProtocolState(config(instanceId), ids, mayFallBack, () -> 0.5);
    }

    private static ConsumerGroupHeartbeatResponse ok(int epoch, int... partitions) {
        ConsumerGroupHeartbeatResponse r = new ConsumerGroupHeartbeatResponse().setMemberEpoch(epoch).setHeartbeatIntervalMs(1000);
        if (partitions.length > 0) { // none: the answer carries no new assignment
            List<Integer> ps = new java.util.ArrayList<>();
            for (int p : partitions) {
                ps.add(p);
            }
            r.setAssignment(new ConsumerGroupHeartbeatResponse.Assignment().setTopicPartitions(new java.util.ArrayList<>(List.of(
                    new ConsumerGroupHeartbeatResponse.TopicPartitions().setTopicId(T_ID).setPartitions(ps)))));
        }
        return r;
    }

    private static ConsumerGroupHeartbeatResponse error(ErrorCode code) {
        return new ConsumerGroupHeartbeatResponse().setErrorCode(code.code()).setMemberEpoch(-1);
    }

    private ConsumerGroupHeartbeatRequest beat(ConsumerProtocolState m) {
        ConsumerGroupHeartbeatRequest r = m.poll(now, lastPoll);
        assertNotNull(r, "a heartbeat is due at " + now);
        return r;
    }

    /** Joins and applies {@code partitions}: the member at epoch {@code epoch}, owning them, acknowledged. */
    private ConsumerProtocolState joined(ConsumerProtocolState m, int epoch, int... partitions) {
        m.subscribe(Set.of("t"), now);
        m.onResponse(beat(m), ok(epoch, partitions), null, now);
        GroupEvent.Assigned a = assertInstanceOf(GroupEvent.Assigned.class, m.takeEvents().get(0));
        m.applied(a.partitions(), false, now);
        m.onResponse(beat(m), ok(epoch), null, now);
        assertEquals(List.of(), m.takeEvents());
        return m;
    }

    @Test
    void joinsWithAFullHeartbeatAtEpochZeroThenSendsTheOwnedPartitionsOnceThenOnlyTheEpoch() {
        ConsumerProtocolState m = machine(null, false);
        assertNull(m.poll(now, lastPoll), "nothing to do before a subscription");
        assertEquals(ConsumerProtocolState.NEVER, m.nextWakeNanos());
        m.subscribe(Set.of("t"), now);
        ConsumerGroupHeartbeatRequest join = beat(m);
        assertEquals(0, join.memberEpoch());
        assertEquals(List.of("t"), join.subscribedTopicNames());
        assertEquals(300_000, join.rebalanceTimeoutMs());
        assertEquals(List.of(), join.topicPartitions(), "epoch 0 says what it owns: nothing");
        assertNull(m.poll(now, lastPoll), "one heartbeat in flight at a time");

        m.onResponse(join, ok(1, 0, 1), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0, T1))), m.takeEvents());
        assertEquals(new MemberIdentity(1, join.memberId()), m.identity());
        assertEquals(now + 1000 * MS, m.nextWakeNanos(), "the next beat at the broker's interval");

        m.applied(List.of(T0, T1), false, now);
        ConsumerGroupHeartbeatRequest ack = beat(m);
        assertEquals(1, ack.memberEpoch());
        assertNull(ack.subscribedTopicNames(), "the subscription is not repeated");
        assertEquals(-1, ack.rebalanceTimeoutMs());
        assertEquals(List.of(0, 1), ack.topicPartitions().get(0).partitions(), "the applied assignment is acknowledged at once");
        m.onResponse(ack, ok(1, 0, 1), null, now);
        assertEquals(List.of(), m.takeEvents(), "the same assignment again is no news");

        assertNull(m.poll(now + 999 * MS, lastPoll));
        now += 1000 * MS;
        lastPoll = now;
        ConsumerGroupHeartbeatRequest plain = beat(m);
        assertEquals(1, plain.memberEpoch());
        assertNull(plain.topicPartitions(), "nothing changed: only the epoch");
    }

    @Test
    void fencedWithPartitionsTheyAreLostAndTheMemberRejoinsOnlyAfterThePollingThreadDroppedThem() {
        for (ErrorCode fence : List.of(ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID)) {
            ConsumerProtocolState m = joined(machine(null, false), 3, 0, 1);
            now += 1000 * MS;
            lastPoll = now;
            m.onResponse(beat(m), error(fence), null, now);
            assertEquals(List.of(new GroupEvent.Lost()), m.takeEvents(), fence.name());
            assertEquals(0, m.identity().generation(), "commits are refused from now on");
            assertEquals(ConsumerProtocolState.NEVER, m.nextWakeNanos(), "no rejoin while the old partitions are held");
            assertNull(m.poll(now + 60_000 * MS, lastPoll));

            m.applied(List.of(), true, now);
            ConsumerGroupHeartbeatRequest rejoin = beat(m);
            assertEquals(0, rejoin.memberEpoch());
            assertEquals(List.of("t"), rejoin.subscribedTopicNames());
            assertEquals(List.of(), rejoin.topicPartitions());
        }
    }

    @Test
    void anAssignmentStillBeingAppliedWhenTheMemberIsFencedIsDiscarded() {
        for (ErrorCode fence : List.of(ErrorCode.FENCED_MEMBER_EPOCH, ErrorCode.UNKNOWN_MEMBER_ID)) {
            ConsumerProtocolState m = joined(machine(null, false), 3, 1);
            now += 1000 * MS;
            lastPoll = now;
            m.onResponse(beat(m), ok(4, 0, 1), null, now);
            assertEquals(List.of(new GroupEvent.Assigned(List.of(T0, T1))), m.takeEvents());
            now += 1000 * MS;
            lastPoll = now;
            m.onResponse(beat(m), error(fence), null, now);
            assertEquals(List.of(new GroupEvent.Lost()), m.takeEvents(), fence.name());
            m.applied(List.of(T0, T1), false, now); // the polling thread ends the reconciliation the fence interrupted
            assertNull(m.poll(now, lastPoll), fence.name() + ": no rejoin owning the interrupted assignment");
            assertEquals(0, m.identity().generation());
            m.applied(List.of(), true, now); // poll() reported the partitions lost
            ConsumerGroupHeartbeatRequest rejoin = beat(m);
            assertEquals(0, rejoin.memberEpoch());
            assertEquals(List.of(), rejoin.topicPartitions(), fence.name());
        }
    }

    @Test
    void anAssignmentStillBeingAppliedWhenThePollIntervalRunsOutIsDiscarded() {
        ConsumerProtocolState m = joined(machine(null, false), 3, 1);
        now += 1000 * MS;
        lastPoll = now;
        m.onResponse(beat(m), ok(4, 0, 1), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0, T1))), m.takeEvents());
        now += 300_001 * MS; // the listener runs past max.poll.interval.ms
        ConsumerGroupHeartbeatRequest leave = beat(m);
        assertEquals(ConsumerProtocolState.LEAVE_EPOCH, leave.memberEpoch());
        assertEquals(List.of(new GroupEvent.Lost()), m.takeEvents());
        m.onResponse(leave, error(ErrorCode.NONE), null, now);
        lastPoll = now;
        m.applied(List.of(T0, T1), false, now);
        assertNull(m.poll(now, lastPoll), "no rejoin owning the interrupted assignment");
        m.applied(List.of(), true, now);
        assertEquals(List.of(), beat(m).topicPartitions(), "rejoins owning nothing once poll() reported the loss");
    }

    @Test
    void fencedOwningNothingRejoinsAtOnce() {
        ConsumerProtocolState m = machine(null, false);
        m.subscribe(Set.of("t"), now);
        m.onResponse(beat(m), ok(1), null, now);
        assertEquals(List.of(), m.takeEvents());
        now += 1000 * MS;
        lastPoll = now;
        m.onResponse(beat(m), error(ErrorCode.UNKNOWN_MEMBER_ID), null, now);
        assertEquals(List.of(new GroupEvent.Unassigned()), m.takeEvents());
        assertEquals(0, beat(m).memberEpoch(), "rejoins at once");
    }

    @Test
    void fencedWithAnAssignmentNotYetAppliedLosesItAndRejoinsOnlyAfterThePollingThreadDroppedIt() {
        ConsumerProtocolState m = machine(null, false);
        m.subscribe(Set.of("t"), now);
        m.onResponse(beat(m), ok(1, 0), null, now);
        assertInstanceOf(GroupEvent.Assigned.class, m.takeEvents().get(0)); // the polling thread may be applying it
        now += 1000 * MS;
        lastPoll = now;
        m.onResponse(beat(m), error(ErrorCode.UNKNOWN_MEMBER_ID), null, now);
        assertEquals(List.of(new GroupEvent.Lost()), m.takeEvents());
        assertNull(m.poll(now, lastPoll));
        m.applied(List.of(), true, now);
        assertEquals(0, beat(m).memberEpoch(), "rejoins once poll() reported the loss");
    }

    @Test
    void coordinatorErrorsFindTheCoordinatorAgainAndRetryWithExponentialBackoff() {
        ConsumerProtocolState m = joined(machine(null, false), 2, 0);
        now += 1000 * MS;
        lastPoll = now;
        long expected = BACKOFF;
        for (Object answer : List.of(ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE,
                new IOException("connection reset"), ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)) {
            ConsumerGroupHeartbeatRequest r = beat(m);
            if (answer instanceof ErrorCode code) {
                m.onResponse(r, error(code), null, now);
            } else {
                m.onResponse(r, null, (Throwable) answer, now);
            }
            assertEquals(List.of(new GroupEvent.CoordinatorLost()), m.takeEvents(), answer.toString());
            assertEquals(now + expected, m.nextWakeNanos(), "backoff after " + answer);
            assertNull(m.poll(now + expected - 1, lastPoll));
            now += expected;
            lastPoll = now;
            expected = Math.min(expected * 2, 1000 * MS);
        }
        ConsumerGroupHeartbeatRequest r = beat(m);
        assertEquals(2, r.memberEpoch(), "the member kept its epoch through coordinator moves");
        m.onResponse(r, ok(2), null, now);
        assertEquals(now + 1000 * MS, m.nextWakeNanos(), "success resets the backoff");
    }

    @Test
    void aMemberNotPolledWithinThePollIntervalLeavesAndLosesItsPartitions() {
        ConsumerProtocolState m = joined(machine(null, false), 4, 0, 1);
        now += 300_001 * MS; // lastPoll stays where it was
        ConsumerGroupHeartbeatRequest leave = beat(m);
        assertEquals(ConsumerProtocolState.LEAVE_EPOCH, leave.memberEpoch());
        assertEquals(List.of(new GroupEvent.Lost()), m.takeEvents());
        assertEquals(0, m.identity().generation());
        m.onResponse(leave, error(ErrorCode.NONE), null, now);
        assertEquals(ConsumerProtocolState.NEVER, m.nextWakeNanos(), "waits for poll() to drop the partitions");
        lastPoll = now;
        m.applied(List.of(), true, now);
        assertEquals(0, beat(m).memberEpoch(), "then rejoins");
    }

    @Test
    void aStaticMemberLeavesWithEpochMinusTwoAndAnswersAfterLeavingAreIgnored() {
        ConsumerProtocolState m = joined(machine("instance-1", false), 5, 0);
        now += 1000 * MS;
        lastPoll = now;
        ConsumerGroupHeartbeatRequest inFlight = beat(m);
        ConsumerGroupHeartbeatRequest leave = m.leave("closing");
        assertEquals(ConsumerProtocolState.STATIC_LEAVE_EPOCH, leave.memberEpoch());
        assertEquals("instance-1", leave.instanceId());
        m.onResponse(inFlight, error(ErrorCode.FENCED_MEMBER_EPOCH), null, now);
        assertEquals(List.of(), m.takeEvents(), "an answer from before leaving says nothing");
        assertNull(m.poll(now + 60_000 * MS, lastPoll));
        assertNull(machine(null, false).leave("never joined"), "nothing to leave");
    }

    @Test
    void anAssignmentOfATopicMetadataDoesNotKnowYetIsKeptUntilItDoes() {
        ConsumerProtocolState m = machine(null, false);
        m.subscribe(Set.of("t"), now);
        known.clear();
        m.onResponse(beat(m), ok(1, 0), null, now);
        assertEquals(List.of(new GroupEvent.NeedMetadata(Set.of("t"))), m.takeEvents());
        assertEquals(now + BACKOFF, m.nextWakeNanos());
        now += BACKOFF;
        lastPoll = now;
        m.poll(now, lastPoll);
        assertEquals(List.of(new GroupEvent.NeedMetadata(Set.of("t"))), m.takeEvents(), "still unknown: asks again");
        known.put("t", T_ID);
        now += BACKOFF;
        m.poll(now, lastPoll);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0))), m.takeEvents(), "the broker sent it once; it was kept");
    }

    /**
     * KIP-848: the part of an assignment whose topic ids metadata knows is reconciled at once; the
     * rest waits for metadata, and only what was applied is reported as owned.
     */
    @Test
    void theKnownPartOfAnAssignmentIsAppliedAtOnceAndTheRestOnceMetadataNamesItsTopic() {
        UUID uId = UUID.randomUUID();
        TopicPartition u0 = new TopicPartition("u", 0);
        ConsumerProtocolState m = machine(null, false);
        m.subscribe(Set.of("t", "u"), now);
        ConsumerGroupHeartbeatResponse both = ok(1, 0, 1);
        both.assignment().topicPartitions().add(new ConsumerGroupHeartbeatResponse.TopicPartitions()
                .setTopicId(uId).setPartitions(List.of(0)));
        m.onResponse(beat(m), both, null, now);
        assertEquals(List.of(new GroupEvent.NeedMetadata(Set.of("t", "u")), new GroupEvent.Assigned(List.of(T0, T1))),
                m.takeEvents(), "t's partitions are taken now; u's wait for metadata");
        m.applied(List.of(T0, T1), false, now);
        ConsumerGroupHeartbeatRequest ack = beat(m);
        assertEquals(List.of(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(T_ID).setPartitions(List.of(0, 1))),
                ack.topicPartitions(), "only what was reconciled is reported as owned");
        m.onResponse(ack, ok(1), null, now);
        assertEquals(List.of(), m.takeEvents(), "nothing new to apply while u stays unknown");

        now += BACKOFF;
        lastPoll = now;
        m.poll(now, lastPoll);
        assertEquals(List.of(new GroupEvent.NeedMetadata(Set.of("t", "u"))), m.takeEvents(), "u still unknown: asks again");
        known.put("u", uId);
        now += BACKOFF;
        m.poll(now, lastPoll);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0, T1, u0))), m.takeEvents(),
                "once metadata names u, the whole assignment");
        m.applied(List.of(T0, T1, u0), false, now);
        now += 1000 * MS;
        ConsumerGroupHeartbeatRequest full = beat(m);
        assertEquals(2, full.topicPartitions().size(), "both topics owned now: " + full.topicPartitions());
        m.onResponse(full, ok(1), null, now);
        now += BACKOFF;
        m.poll(now, lastPoll);
        assertEquals(List.of(), m.takeEvents(), "nothing left to resolve");
    }

    /** An assignment still being applied when the broker sends back the owned one must be replaced by it. */
    @Test
    void anAssignmentBackToWhatIsOwnedReplacesOneNotYetApplied() {
        ConsumerProtocolState m = joined(machine(null, false), 1, 0);
        now += 1000 * MS;
        m.onResponse(beat(m), ok(2, 0, 1), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0, T1))), m.takeEvents());
        now += 1000 * MS;
        m.onResponse(beat(m), ok(3, 0), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0))), m.takeEvents(),
                "the polling thread holds [t-0, t-1] to apply: it must hear of [t-0]");
    }

    @Test
    void aBrokerWithoutTheProtocolIsRefusedForAutoAndAFinalErrorOtherwise() {
        ConsumerProtocolState auto = machine(null, true);
        auto.subscribe(Set.of("t"), now);
        auto.onResponse(beat(auto), error(ErrorCode.UNSUPPORTED_VERSION), null, now);
        assertEquals(List.of(new GroupEvent.Refused()), auto.takeEvents());
        assertNull(auto.poll(now + 60_000 * MS, lastPoll), "auto hands the group to the classic protocol");

        ConsumerProtocolState consumer = machine(null, false);
        consumer.subscribe(Set.of("t"), now);
        consumer.onResponse(beat(consumer), null, new UnsupportedVersionException("no ConsumerGroupHeartbeat", ErrorCode.UNSUPPORTED_VERSION), now);
        GroupEvent.Failed f = assertInstanceOf(GroupEvent.Failed.class, consumer.takeEvents().get(0));
        assertTrue(f.error().getMessage().contains("group.protocol=classic or auto"), f.error().getMessage());
        assertEquals(ConsumerProtocolState.NEVER, consumer.nextWakeNanos());
    }

    @Test
    void aDeniedSubscriptionKeepsTryingAndAChangedOneIsSentAtOnce() {
        ConsumerProtocolState m = machine(null, false);
        m.subscribe(Set.of("t"), now);
        m.onResponse(beat(m), error(ErrorCode.TOPIC_AUTHORIZATION_FAILED), null, now);
        GroupEvent.Failed f = assertInstanceOf(GroupEvent.Failed.class, m.takeEvents().get(0));
        assertInstanceOf(AuthorizationException.class, f.error());
        assertEquals(now + 3000 * MS, m.nextWakeNanos(), "an ACL may be granted: try again at the interval");

        ConsumerGroupHeartbeatRequest again = m.poll(now + 3000 * MS, lastPoll);
        m.subscribe(Set.of("u"), now + 3000 * MS);
        m.onResponse(again, error(ErrorCode.TOPIC_AUTHORIZATION_FAILED), null, now + 3000 * MS);
        assertEquals(List.of(), m.takeEvents(), "the refusal was for the old subscription");
        assertEquals(List.of("u"), m.poll(now + 3000 * MS, lastPoll).subscribedTopicNames());
    }

    @Test
    void anUpgradedMemberTakesPartitionsAsTheBrokerFreesThemFromClassicMembers() {
        // A group moving from the classic protocol: the broker gives a consumer-protocol member only
        // partitions no classic member still owns, adding the rest as the classic members give them up.
        ConsumerProtocolState m = machine(null, false);
        m.subscribe(Set.of("t"), now);
        m.onResponse(beat(m), ok(7, 0), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0))), m.takeEvents());
        m.applied(List.of(T0), false, now);
        m.onResponse(beat(m), ok(8, 0, 1), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0, T1))), m.takeEvents());
        assertEquals(8, m.identity().generation());
        m.applied(List.of(T0, T1), false, now);
        ConsumerGroupHeartbeatRequest ack = beat(m);
        assertEquals(8, ack.memberEpoch());
        assertEquals(List.of(0, 1), ack.topicPartitions().get(0).partitions());
    }
}
