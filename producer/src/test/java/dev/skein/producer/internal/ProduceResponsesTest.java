package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.metadata.MetadataManager;
import dev.skein.core.message.ProduceResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading a Produce response: answers by partition, topics by name or by id, and KIP-951 leader hints. */
class ProduceResponsesTest {
    private static final UUID KNOWN = UUID.randomUUID();
    private static final UUID UNKNOWN = UUID.randomUUID();

    private static ProduceResponse.PartitionProduceResponse answer(int partition, ErrorCode code, long baseOffset) {
        return new ProduceResponse.PartitionProduceResponse().setIndex(partition).setErrorCode(code.code())
                .setBaseOffset(baseOffset);
    }

    @Test
    void answersAreFoundByPartitionWhetherTheTopicIsNamedOrIdentified() {
        ProduceResponse r = new ProduceResponse().setResponses(List.of(
                new ProduceResponse.TopicProduceResponse().setName("a").setPartitionResponses(List.of(
                        answer(0, ErrorCode.NONE, 10), answer(1, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1))),
                new ProduceResponse.TopicProduceResponse().setName("").setTopicId(KNOWN).setPartitionResponses(List.of(
                        answer(2, ErrorCode.NONE, 7))),
                new ProduceResponse.TopicProduceResponse().setName("").setTopicId(UNKNOWN).setPartitionResponses(List.of(
                        answer(0, ErrorCode.NONE, 3)))));
        ProduceResponses answers = new ProduceResponses(r, Map.of(KNOWN, "b")::get);
        assertEquals(10, answers.answer(new TopicPartition("a", 0)).baseOffset());
        assertEquals(ErrorCode.NOT_LEADER_OR_FOLLOWER.code(), answers.answer(new TopicPartition("a", 1)).errorCode());
        assertEquals(7, answers.answer(new TopicPartition("b", 2)).baseOffset(), "named by its id (v13+)");
        assertNull(answers.answer(new TopicPartition("a", 2)), "no answer for a partition the response leaves out");
        assertNull(answers.answer(new TopicPartition("c", 0)), "an unknown id answers nobody");
        assertTrue(answers.leaderHints().isEmpty(), "no partition named a leader");
    }

    @Test
    void aRefusalThatNamesTheNewLeaderIsAHint() {
        ProduceResponse r = new ProduceResponse().setResponses(List.of(
                new ProduceResponse.TopicProduceResponse().setName("a").setPartitionResponses(List.of(
                        answer(0, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1).setCurrentLeader(
                                new ProduceResponse.LeaderIdAndEpoch().setLeaderId(3).setLeaderEpoch(9)),
                        answer(1, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1)))))
                .setNodeEndpoints(List.of(new ProduceResponse.NodeEndpoint().setNodeId(3).setHost("h3").setPort(9093)));
        ProduceResponses answers = new ProduceResponses(r, id -> null);
        assertEquals(List.of(new MetadataManager.LeaderHint("a", 0, 3, 9)), answers.leaderHints());
        assertEquals(List.of(new Node(3, "h3", 9093, null)), answers.endpoints());
        assertTrue(answers.namesLeaderOf(new TopicPartition("a", 0)));
        assertFalse(answers.namesLeaderOf(new TopicPartition("a", 1)), "leader -1: unknown, no hint");
    }
}
