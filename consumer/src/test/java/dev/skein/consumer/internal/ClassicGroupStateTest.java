package dev.skein.consumer.internal;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.internal.ConsumerProtocol;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.HeartbeatRequest;
import dev.skein.core.message.HeartbeatResponse;
import dev.skein.core.message.JoinGroupRequest;
import dev.skein.core.message.JoinGroupResponse;
import dev.skein.core.message.LeaveGroupRequest;
import dev.skein.core.message.SyncGroupRequest;
import dev.skein.core.message.SyncGroupResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The classic group protocol's member on a manual clock: join and sync (follower and leader),
 * heartbeat errors, session and poll timeouts, static members, coordinator moves and leaving.
 * Times are nanoseconds; nothing here sleeps or touches the network.
 */
class ClassicGroupStateTest {
    private static final long MS = 1_000_000L;
    private static final long BACKOFF = 100 * MS;
    private static final long HEARTBEAT = 3_000 * MS;
    private static final TopicPartition T0 = new TopicPartition("t", 0);
    private static final TopicPartition T1 = new TopicPartition("t", 1);

    private long now = 1_000 * MS;
    private long lastPoll = now;

    private static ClassicGroupState machine(String instanceId, String... assignors) {
        return new ClassicGroupState(new GroupConfig("g", instanceId, null, Duration.ofSeconds(10),
                Duration.ofMillis(3000), Duration.ofSeconds(300), Duration.ofMillis(100), Duration.ofSeconds(1), null,
                (assignors.length == 0 ? List.of("range") : List.of(assignors)).stream().map(ClassicAssignor::forName).toList()),
                () -> 0.5);
    }

    private <T extends ApiMessage> T next(ClassicGroupState m, Class<T> type) {
        ApiMessage r = m.poll(now, lastPoll);
        return assertInstanceOf(type, r, "due at " + now + " in " + m.phase());
    }

    private static JoinGroupResponse joined(int generation, String member, String leader, JoinGroupResponse.JoinGroupResponseMember... members) {
        return new JoinGroupResponse().setGenerationId(generation).setMemberId(member).setLeader(leader)
                .setProtocolName("range").setMembers(List.of(members));
    }

    private static JoinGroupResponse joinError(ErrorCode code, String member) {
        return new JoinGroupResponse().setErrorCode(code.code()).setMemberId(member).setGenerationId(-1).setLeader("");
    }

    private static SyncGroupResponse synced(List<TopicPartition> tps) {
        return new SyncGroupResponse().setProtocolName("range").setAssignment(ConsumerProtocol.encodeAssignment(tps));
    }

    private static SyncGroupResponse syncError(ErrorCode code) {
        return new SyncGroupResponse().setErrorCode(code.code()).setAssignment(new byte[0]);
    }

    private static HeartbeatResponse heartbeat(ErrorCode code) {
        return new HeartbeatResponse().setErrorCode(code.code());
    }

    /** Joins as a follower of generation {@code generation} with {@code tps}; events taken. */
    private ClassicGroupState stable(ClassicGroupState m, int generation, List<TopicPartition> tps) {
        m.join(Set.of("t"), List.of(), now);
        m.onResponse(next(m, JoinGroupRequest.class), joined(generation, "m1", "m0"), null, now);
        m.onResponse(next(m, SyncGroupRequest.class), synced(tps), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(tps)), m.takeEvents());
        return m;
    }

    @Test
    void aFollowerJoinsWithTheMemberIdTheCoordinatorGivesThenSyncsAndHeartbeats() {
        ClassicGroupState m = machine(null);
        assertNull(m.poll(now, lastPoll), "nothing before a join");
        m.join(Set.of("t"), List.of(), now);
        JoinGroupRequest first = next(m, JoinGroupRequest.class);
        assertEquals("", first.memberId());
        assertEquals(10_000, first.sessionTimeoutMs());
        assertEquals(300_000, first.rebalanceTimeoutMs());
        assertEquals(Set.of("t"), ConsumerProtocol.subscribedTopics(first.protocols().get(0).metadata()));
        assertNull(m.poll(now, lastPoll), "one join in flight");

        m.onResponse(first, joinError(ErrorCode.MEMBER_ID_REQUIRED, "m1"), null, now);
        JoinGroupRequest second = next(m, JoinGroupRequest.class);
        assertEquals("m1", second.memberId(), "joins again at once with the given id");

        m.onResponse(second, joined(5, "m1", "m0"), null, now);
        SyncGroupRequest sync = next(m, SyncGroupRequest.class);
        assertEquals(5, sync.generationId());
        assertEquals(List.of(), sync.assignments(), "a follower sends no plan");
        m.onResponse(sync, synced(List.of(T0)), null, now);
        assertEquals(List.of(new GroupEvent.Assigned(List.of(T0))), m.takeEvents());
        assertEquals(new MemberIdentity(5, "m1"), m.identity());

        assertEquals(now + HEARTBEAT, m.nextWakeNanos());
        assertNull(m.poll(now + HEARTBEAT - 1, lastPoll));
        now += HEARTBEAT;
        lastPoll = now;
        HeartbeatRequest h = next(m, HeartbeatRequest.class);
        assertEquals(5, h.generationId());
        assertEquals("m1", h.memberId());
        m.onResponse(h, heartbeat(ErrorCode.NONE), null, now);
        assertEquals(List.of(), m.takeEvents());
        assertEquals(now + HEARTBEAT, m.nextWakeNanos());
    }

    @Test
    void theLeaderAsksForPartitionCountsAndSyncsTheAssignorsPlan() {
        ClassicGroupState m = machine(null);
        m.join(Set.of("t"), List.of(), now);
        JoinGroupRequest join = next(m, JoinGroupRequest.class);
        byte[] subscription = join.protocols().get(0).metadata();
        JoinGroupResponse answer = joined(2, "m1", "m1",
                new JoinGroupResponse.JoinGroupResponseMember().setMemberId("m1").setMetadata(subscription),
                new JoinGroupResponse.JoinGroupResponseMember().setMemberId("m2").setMetadata(subscription));
        m.onResponse(join, answer, null, now);
        assertEquals(List.of(new GroupEvent.Lead(answer, Set.of("t"))), m.takeEvents());
        assertNull(m.poll(now, lastPoll), "waits for the counts");

        UUID id = UUID.randomUUID();
        m.lead(answer, Map.of("t", 2), Map.of("t", id), now);
        assertEquals(List.of(new GroupEvent.Led(Map.of("t", 2), Map.of("t", id))), m.takeEvents(),
                "the counts the plan was made for: a change asks for a rebalance");
        SyncGroupRequest sync = next(m, SyncGroupRequest.class);
        assertEquals(2, sync.assignments().size());
        Map<String, List<TopicPartition>> plan = new java.util.HashMap<>();
        sync.assignments().forEach(a -> plan.put(a.memberId(), ConsumerProtocol.decodeAssignment(a.assignment())));
        assertEquals(Map.of("m1", List.of(T0), "m2", List.of(T1)), plan);
    }

    @Test
    void heartbeatErrorsAskForARejoinEndTheGenerationOrFindTheCoordinator() {
        record Case(Object answer, List<GroupEvent> events, int generationAfter, String memberAfter) {}
        for (Case c : List.of(
                new Case(ErrorCode.REBALANCE_IN_PROGRESS, List.of(new GroupEvent.RejoinNeeded()), 4, "m1"),
                new Case(ErrorCode.ILLEGAL_GENERATION, List.of(new GroupEvent.Lost(), new GroupEvent.RejoinNeeded()), -1, "m1"),
                new Case(ErrorCode.UNKNOWN_MEMBER_ID, List.of(new GroupEvent.Lost(), new GroupEvent.RejoinNeeded()), -1, ""),
                new Case(ErrorCode.NOT_COORDINATOR, List.of(new GroupEvent.CoordinatorLost()), 4, "m1"),
                new Case(ErrorCode.COORDINATOR_NOT_AVAILABLE, List.of(new GroupEvent.CoordinatorLost()), 4, "m1"),
                new Case(new IOException("connection reset"), List.of(new GroupEvent.CoordinatorLost()), 4, "m1"))) {
            ClassicGroupState m = stable(machine(null), 4, List.of(T0));
            now += HEARTBEAT;
            lastPoll = now;
            HeartbeatRequest h = next(m, HeartbeatRequest.class);
            if (c.answer() instanceof ErrorCode code) {
                m.onResponse(h, heartbeat(code), null, now);
            } else {
                m.onResponse(h, null, (Throwable) c.answer(), now);
            }
            assertEquals(c.events(), m.takeEvents(), c.answer().toString());
            assertEquals(new MemberIdentity(c.generationAfter(), c.memberAfter()), m.identity(), c.answer().toString());
            if (c.generationAfter() < 0) {
                assertEquals(ClassicGroupState.NEVER, m.nextWakeNanos(), "no heartbeats without a generation");
            }
        }
    }

    @Test
    void aHeartbeatAnsweredAfterAJoinStartedIsIgnoredAndNoneIsSentWhileJoining() {
        ClassicGroupState m = stable(machine(null, "cooperative-sticky"), 4, List.of(T0));
        now += HEARTBEAT;
        lastPoll = now;
        HeartbeatRequest h = next(m, HeartbeatRequest.class);
        m.join(Set.of("t"), List.of(T0), now);
        JoinGroupRequest join = next(m, JoinGroupRequest.class);
        m.onResponse(h, heartbeat(ErrorCode.ILLEGAL_GENERATION), null, now);
        assertEquals(List.of(), m.takeEvents(), "the join speaks for the member now");
        assertEquals(ClassicGroupState.NEVER, m.nextWakeNanos(), "the pending JoinGroup keeps the member alive");
        assertNull(m.poll(now + 10 * HEARTBEAT, now + 10 * HEARTBEAT));
        var sub = ClassicGroupState.decodeSubscription(join.protocols().get(0).metadata(), "cooperative-sticky");
        assertEquals(List.of(T0), sub.owned(), "a cooperative member says what it keeps reading");
        assertEquals(4, sub.generation());
    }

    @Test
    void noHeartbeatAnsweredWithinTheSessionTimeoutMeansTheCoordinatorIsLookedUpAgain() {
        ClassicGroupState m = stable(machine(null), 4, List.of(T0));
        long answeredAt = now;
        while (now - answeredAt <= 10_000 * MS) {
            now += HEARTBEAT;
            lastPoll = now;
            HeartbeatRequest h = next(m, HeartbeatRequest.class);
            List<GroupEvent> events = m.takeEvents();
            assertEquals(now - answeredAt > 10_000 * MS ? List.of(new GroupEvent.CoordinatorLost()) : List.of(), events,
                    "at " + (now - answeredAt) / MS + " ms without an answer");
            m.onResponse(h, heartbeat(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), null, now);
        }
        assertEquals(4, m.identity().generation(), "the member itself keeps its generation: the coordinator decides");
    }

    @Test
    void aMemberNotPolledWithinThePollIntervalLeavesAndItsPartitionsAreLost() {
        ClassicGroupState m = stable(machine(null), 4, List.of(T0));
        now += 300_001 * MS;
        LeaveGroupRequest leave = next(m, LeaveGroupRequest.class);
        assertEquals("m1", leave.members().get(0).memberId());
        assertEquals(List.of(new GroupEvent.Lost(), new GroupEvent.RejoinNeeded()), m.takeEvents());
        assertEquals(new MemberIdentity(-1, ""), m.identity());

        ClassicGroupState s = stable(machine("instance-1"), 4, List.of(T0));
        assertNull(s.poll(now + 300_001 * MS, lastPoll), "a static member sends no LeaveGroup: its session ends it");
        assertEquals(List.of(new GroupEvent.Lost(), new GroupEvent.RejoinNeeded()), s.takeEvents());
        assertEquals(new MemberIdentity(-1, "m1"), s.identity(), "a static member keeps its id");
    }

    @Test
    void aStaticMemberFencedByANewerInstanceFailsForGood() {
        ClassicGroupState m = machine("instance-1");
        m.join(Set.of("t"), List.of(), now);
        m.onResponse(next(m, JoinGroupRequest.class), joinError(ErrorCode.FENCED_INSTANCE_ID, ""), null, now);
        GroupEvent.Failed f = assertInstanceOf(GroupEvent.Failed.class, m.takeEvents().get(0));
        assertFalse(f.mayRejoin(), "a newer instance took over: do not rejoin");
        assertEquals(ErrorCode.FENCED_INSTANCE_ID, f.error() instanceof dev.skein.core.errors.SkeinException s ? s.errorCode() : null);

        ClassicGroupState hb = stable(machine("instance-1"), 4, List.of(T0));
        now += HEARTBEAT;
        lastPoll = now;
        hb.onResponse(next(hb, HeartbeatRequest.class), heartbeat(ErrorCode.FENCED_INSTANCE_ID), null, now);
        f = assertInstanceOf(GroupEvent.Failed.class, hb.takeEvents().get(0));
        assertFalse(f.mayRejoin());
    }

    @Test
    void coordinatorMovesDuringAJoinAreRetriedWithExponentialBackoff() {
        ClassicGroupState m = machine(null);
        m.join(Set.of("t"), List.of(), now);
        long expected = BACKOFF;
        for (Object answer : List.of(ErrorCode.NOT_COORDINATOR, new IOException("timed out"), ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
            JoinGroupRequest j = next(m, JoinGroupRequest.class);
            if (answer instanceof ErrorCode code) {
                m.onResponse(j, joinError(code, ""), null, now);
            } else {
                m.onResponse(j, null, (Throwable) answer, now);
            }
            assertEquals(List.of(new GroupEvent.CoordinatorLost()), m.takeEvents(), answer.toString());
            assertEquals(now + expected, m.nextWakeNanos(), answer.toString());
            assertNull(m.poll(now + expected - 1, lastPoll));
            now += expected;
            expected *= 2;
        }
        JoinGroupRequest j = next(m, JoinGroupRequest.class);
        m.onResponse(j, joinError(ErrorCode.REBALANCE_IN_PROGRESS, ""), null, now);
        assertEquals(List.of(), m.takeEvents(), "a rebalance in progress is waited out");
        assertEquals(now + expected, m.nextWakeNanos());
    }

    @Test
    void syncGroupErrorsJoinAgainAtOnceOrFail() {
        for (ErrorCode code : List.of(ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.ILLEGAL_GENERATION, ErrorCode.UNKNOWN_MEMBER_ID)) {
            ClassicGroupState m = machine(null);
            m.join(Set.of("t"), List.of(), now);
            m.onResponse(next(m, JoinGroupRequest.class), joined(3, "m1", "m0"), null, now);
            m.onResponse(next(m, SyncGroupRequest.class), syncError(code), null, now);
            JoinGroupRequest again = next(m, JoinGroupRequest.class);
            assertEquals(code == ErrorCode.UNKNOWN_MEMBER_ID ? "" : "m1", again.memberId(), code.name());
            assertEquals(List.of(), m.takeEvents(), code.name());
        }
        ClassicGroupState m = machine(null);
        m.join(Set.of("t"), List.of(), now);
        m.onResponse(next(m, JoinGroupRequest.class), joined(3, "m1", "m0"), null, now);
        m.onResponse(next(m, SyncGroupRequest.class), syncError(ErrorCode.GROUP_AUTHORIZATION_FAILED), null, now);
        GroupEvent.Failed f = assertInstanceOf(GroupEvent.Failed.class, m.takeEvents().get(0));
        assertInstanceOf(AuthorizationException.class, f.error());
        assertTrue(f.mayRejoin(), "an ACL may be fixed: a later poll() tries again");
    }

    @Test
    void leavingAbandonsAJoinAndItsLateAnswersAreIgnored() {
        ClassicGroupState m = stable(machine(null), 4, List.of(T0));
        m.join(Set.of("t"), List.of(T0), now);
        JoinGroupRequest join = next(m, JoinGroupRequest.class);
        LeaveGroupRequest leave = m.leave("closing");
        assertEquals("m1", leave.members().get(0).memberId());
        assertEquals("closing", leave.members().get(0).reason());
        m.onResponse(join, joined(5, "m1", "m0"), null, now);
        assertNull(m.poll(now, lastPoll), "the abandoned join goes no further");
        assertEquals(List.of(), m.takeEvents());
        assertEquals(new MemberIdentity(-1, ""), m.identity());
        assertNull(m.leave("again"), "nothing left to leave");
    }
}
