package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the sticky assignors carry in a subscription reads the same in Skein and in Apache Kafka's client. */
class GroupMembershipTest {
    private static final org.apache.kafka.common.TopicPartition A0 = new org.apache.kafka.common.TopicPartition("a", 0);
    private static final org.apache.kafka.common.TopicPartition A2 = new org.apache.kafka.common.TopicPartition("a", 2);

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
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
