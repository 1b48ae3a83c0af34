package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.message.AddPartitionsToTxnResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * An AddPartitionsToTxn answer (v3 and below) read: the partitions that joined the transaction, and of
 * the refusals the gravest, by what it calls for ({@link TxnErrors.Outcome}, in order of gravity), which
 * decides what happens to the others. No state and no I/O.
 */
record AddPartitionsAnswer(List<TopicPartition> joined, ErrorCode worst, TxnErrors.Outcome outcome) {

    static AddPartitionsAnswer of(AddPartitionsToTxnResponse response) {
        List<TopicPartition> joined = new ArrayList<>();
        ErrorCode worst = ErrorCode.NONE;
        TxnErrors.Outcome outcome = TxnErrors.Outcome.IGNORE;
        for (AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult t : response.resultsByTopicV3AndBelow()) {
            for (AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult p : t.resultsByPartition()) {
                ErrorCode code = ErrorCode.forCode(p.partitionErrorCode());
                if (code == ErrorCode.NONE) {
                    joined.add(new TopicPartition(t.name(), p.partitionIndex()));
                    continue;
                }
                TxnErrors.Outcome o = TxnErrors.classify(TxnErrors.Api.ADD_PARTITIONS, code);
                if (o.compareTo(outcome) > 0) {
                    outcome = o;
                    worst = code;
                }
            }
        }
        return new AddPartitionsAnswer(List.copyOf(joined), worst, outcome);
    }
}
