package dev.skein.core.internal;

import dev.skein.core.TopicPartition;
import dev.skein.core.message.ConsumerProtocolAssignment;
import dev.skein.core.message.ConsumerProtocolSubscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The classic consumer protocol's bytes inside JoinGroup, SyncGroup and DescribeGroups: a member's
 * subscription and assignment, each a version prefix and the message. Shared by the consumer (which
 * writes and reads them) and the admin client (which shows them).
 */
public final class ConsumerProtocol {
    public static final short SUBSCRIPTION_VERSION = 3;
    public static final short ASSIGNMENT_VERSION = 3;

    private ConsumerProtocol() {}

    public static byte[] encodeAssignment(List<TopicPartition> tps) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerProtocolAssignment.TopicPartition> parts = new ArrayList<>();
        byTopic.forEach((t, ps) -> parts.add(new ConsumerProtocolAssignment.TopicPartition().setTopic(t).setPartitions(ps)));
        ByteBuf buf = Unpooled.buffer();
        buf.writeShort(ASSIGNMENT_VERSION);
        new ConsumerProtocolAssignment().setAssignedPartitions(parts).setUserData(null).write(buf, ASSIGNMENT_VERSION);
        return ByteBufUtil.getBytes(buf);
    }

    /** The partitions of an assignment (none for empty bytes). */
    public static List<TopicPartition> decodeAssignment(byte[] bytes) {
        List<TopicPartition> out = new ArrayList<>();
        if (bytes == null || bytes.length == 0) {
            return out;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        short version = (short) Math.min(buf.readShort(), ASSIGNMENT_VERSION);
        for (ConsumerProtocolAssignment.TopicPartition tp : ConsumerProtocolAssignment.read(buf, version).assignedPartitions()) {
            tp.partitions().forEach(p -> out.add(new TopicPartition(tp.topic(), p)));
        }
        return out;
    }

    /** A subscription read at the highest version this client knows (newer ones only add fields). */
    public static ConsumerProtocolSubscription decodeSubscription(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        short version = (short) Math.min(buf.readShort(), SUBSCRIPTION_VERSION);
        return ConsumerProtocolSubscription.read(buf, version);
    }

    /** The version a subscription was written with, capped at the one this client reads. */
    public static short subscriptionVersion(byte[] bytes) {
        return (short) Math.min(Unpooled.wrappedBuffer(bytes).readShort(), SUBSCRIPTION_VERSION);
    }

    /** The topics of a subscription. */
    public static Set<String> subscribedTopics(byte[] bytes) {
        return new LinkedHashSet<>(decodeSubscription(bytes).topics());
    }
}
