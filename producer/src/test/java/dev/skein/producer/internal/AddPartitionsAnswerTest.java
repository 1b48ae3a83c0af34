package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.message.AddPartitionsToTxnResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static dev.skein.core.ErrorCode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Reading an AddPartitionsToTxn answer: who joined, and which refusal decides. */
class AddPartitionsAnswerTest {

    private static AddPartitionsToTxnResponse answer(ErrorCode... codes) {
        List<AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult> parts = new ArrayList<>();
        for (int p = 0; p < codes.length; p++) {
            parts.add(new AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult().setPartitionIndex(p)
                    .setPartitionErrorCode(codes[p].code()));
        }
        return new AddPartitionsToTxnResponse().setResultsByTopicV3AndBelow(List.of(
                new AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult().setName("t").setResultsByPartition(parts)));
    }

    @Test
    void everyPartitionThatJoinedIsNamedAndAnAllClearAnswerAsksForNothing() {
        AddPartitionsAnswer a = AddPartitionsAnswer.of(answer(NONE, NONE, NONE));
        assertEquals(List.of(new TopicPartition("t", 0), new TopicPartition("t", 1), new TopicPartition("t", 2)), a.joined());
        assertEquals(NONE, a.worst());
        assertEquals(TxnErrors.Outcome.IGNORE, a.outcome());
    }

    @Test
    void eachCodeAloneCallsForWhatTheTableSays() {
        for (ErrorCode code : ErrorCode.values()) {
            AddPartitionsAnswer a = AddPartitionsAnswer.of(answer(NONE, code));
            assertEquals(code == NONE ? 2 : 1, a.joined().size(), code.name());
            assertEquals(TxnErrors.classify(TxnErrors.Api.ADD_PARTITIONS, code), a.outcome(), code.name());
            assertEquals(a.outcome() == TxnErrors.Outcome.IGNORE ? NONE : code, a.worst(), code.name());
        }
    }

    @Test
    void theGravestRefusalDecidesWhateverTheOrder() {
        List<ErrorCode> codes = new ArrayList<>(List.of(NONE, OPERATION_NOT_ATTEMPTED, CONCURRENT_TRANSACTIONS,
                NOT_COORDINATOR, TOPIC_AUTHORIZATION_FAILED, NONE));
        for (int seed = 0; seed < 20; seed++) {
            Collections.shuffle(codes, new Random(seed));
            AddPartitionsAnswer a = AddPartitionsAnswer.of(answer(codes.toArray(new ErrorCode[0])));
            assertEquals(TOPIC_AUTHORIZATION_FAILED, a.worst(), "abortable outranks a retry: " + codes);
            assertEquals(TxnErrors.Outcome.ABORTABLE, a.outcome());
            assertEquals(2, a.joined().size());
        }
        AddPartitionsAnswer retry = AddPartitionsAnswer.of(answer(CONCURRENT_TRANSACTIONS, NOT_COORDINATOR, NONE));
        assertEquals(NOT_COORDINATOR, retry.worst(), "finding the coordinator again outranks a plain retry");
        assertEquals(TxnErrors.Outcome.REFIND_COORDINATOR, retry.outcome());
        AddPartitionsAnswer fenced = AddPartitionsAnswer.of(answer(TOPIC_AUTHORIZATION_FAILED, PRODUCER_FENCED));
        assertEquals(TxnErrors.Outcome.FENCED, fenced.outcome(), "a fence outranks everything but a fatal error");
    }
}
