package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.metadata.Cluster;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the sticky assignors carry in a subscription reads the same in Skein and in Apache Kafka's client;
 * when a classic leader sees the topics it assigned change.
 */
class GroupMembershipTest {
    private static final org.apache.kafka.common.TopicPartition A0 = new org.apache.kafka.common.TopicPartition("a", 0);
    private static final org.apache.kafka.common.TopicPartition A2 = new org.apache.kafka.common.TopicPartition("a", 2);

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static Cluster.TopicInfo topic(String name, UUID id, ErrorCode error, int partitions) {
        List<Cluster.PartitionInfo> parts = new java.util.ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new Cluster.PartitionInfo(name, p, 1, 0, List.of(1), List.of(1), List.of()));
        }
        return new Cluster.TopicInfo(name, id, false, error, parts);
    }

    @Test
    void aLeaderSeesATopicDeletedCreatedAgainOrGrownButNotOneBeingCreated() {
        UUID id = UUID.randomUUID();
        UUID zero = new UUID(0, 0);
        GroupEvent.Led led = new GroupEvent.Led(Map.of("a", 2, "b", 2, "none", 0), Map.of("a", id, "b", UUID.randomUUID()));
        Map<String, Cluster.TopicInfo> now = new java.util.HashMap<>(Map.of("a", topic("a", id, ErrorCode.NONE, 2),
                "b", topic("b", led.topicIds().get("b"), ErrorCode.NONE, 2),
                "none", topic("none", zero, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0)));
        assertFalse(GroupMembership.topicsChanged(led, now::get), "nothing changed; a missing topic stays missing");

        now.put("b", topic("b", zero, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0));
        assertTrue(GroupMembership.topicsChanged(led, now::get), "b deleted: 0 partitions now");
        now.remove("b");
        assertTrue(GroupMembership.topicsChanged(led, now::get), "b no longer listed (a pattern's metadata): deleted");
        now.put("b", topic("b", zero, ErrorCode.LEADER_NOT_AVAILABLE, 0));
        assertFalse(GroupMembership.topicsChanged(led, now::get), "a transient error tells nothing");
        now.put("b", topic("b", UUID.randomUUID(), ErrorCode.NONE, 2));
        assertTrue(GroupMembership.topicsChanged(led, now::get), "b created again with as many partitions: a new id");
        now.put("b", topic("b", zero, ErrorCode.NONE, 2));
        assertFalse(GroupMembership.topicsChanged(led, now::get), "no id known (an old broker): the count decides");
        now.put("none", topic("none", UUID.randomUUID(), ErrorCode.NONE, 1));
        assertTrue(GroupMembership.topicsChanged(led, now::get), "a subscribed topic created");
    }

    @Test
    void readsTheOwnedPartitionsAndGenerationOfAReferenceCooperativeMember() {
        CooperativeStickyAssignor ref = new CooperativeStickyAssignor();
        ref.onAssignment(new ConsumerPartitionAssignor.Assignment(List.of(A0, A2)),
                new ConsumerGroupMetadata("g", 7, "m", Optional.empty()));
        ConsumerPartitionAssignor.Subscription sub = new ConsumerPartitionAssignor.Subscription(List.of("a", "b"),
                ref.subscriptionUserData(Set.of("a", "b")), List.of(A0, A2), 7, Optional.of("rack1"));
        Assignor.Member m = ClassicGroupState.decodeSubscription(bytes(ConsumerProtocol.serializeSubscription(sub)),
                "cooperative-sticky");
        assertEquals(Set.of("a", "b"), m.topics());
        assertEquals(List.of(new TopicPartition("a", 0), new TopicPartition("a", 2)), m.owned());
        assertEquals(7, m.generation());
    }

    @Test
    void readsTheLastAssignmentAnEagerReferenceStickyMemberKeepsInItsUserData() {
        StickyAssignor ref = new StickyAssignor();
        ref.onAssignment(new ConsumerPartitionAssignor.Assignment(List.of(A0, A2)),
                new ConsumerGroupMetadata("g", 4, "m", Optional.empty()));
        // An eager member owns nothing when it rejoins; only the user data remembers (subscription v0).
        ConsumerPartitionAssignor.Subscription sub = new ConsumerPartitionAssignor.Subscription(List.of("a"),
                ref.subscriptionUserData(Set.of("a")));
        Assignor.Member m = ClassicGroupState.decodeSubscription(
                bytes(ConsumerProtocol.serializeSubscription(sub, (short) 0)), "sticky");
        assertEquals(List.of(new TopicPartition("a", 0), new TopicPartition("a", 2)), m.owned());
        assertEquals(4, m.generation());
    }

    @Test
    void stickyUserDataRoundTrips() {
        List<TopicPartition> tps = List.of(new TopicPartition("x", 1), new TopicPartition("y", 0), new TopicPartition("x", 3));
        ClassicGroupState.StickyUserData d = ClassicGroupState.StickyUserData.decode(ClassicGroupState.StickyUserData.encode(tps, 9));
        assertEquals(Set.copyOf(tps), Set.copyOf(d.partitions()));
        assertEquals(9, d.generation());
    }

    @Test
    void assignmentsReadByTheReference() {
        List<TopicPartition> tps = List.of(new TopicPartition("a", 0), new TopicPartition("a", 2));
        ConsumerPartitionAssignor.Assignment a = ConsumerProtocol.deserializeAssignment(
                ByteBuffer.wrap(dev.skein.core.internal.ConsumerProtocol.encodeAssignment(tps)));
        assertEquals(List.of(A0, A2), a.partitions());
    }
}
