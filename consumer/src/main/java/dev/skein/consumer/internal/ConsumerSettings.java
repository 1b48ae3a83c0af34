package dev.skein.consumer.internal;

import dev.skein.consumer.Delivery;
import dev.skein.consumer.IsolationLevel;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.ClientOptions;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.List;

/** A consumer's validated options. */
public record ConsumerSettings(ClientOptions client, String groupId, String groupInstanceId, Delivery delivery,
                               OffsetReset offsetReset, Duration offsetResetDuration, boolean autoCommit, Duration autoCommitInterval,
                               int maxPollRecords, Duration maxPollInterval, Duration sessionTimeout,
                               Duration heartbeatInterval, int fetchMinBytes, int fetchMaxBytes, Duration fetchMaxWait,
                               int maxPartitionFetchBytes, IsolationLevel isolation, List<String> assignors, String rack,
                               boolean checkCrcs, long bufferMaxBytes, Duration defaultApiTimeout,
                               MeterRegistry meterRegistry, String groupProtocol, String remoteAssignor,
                               List<String> classicOnlyOptions) {

    /** True for the assignor names (short or Apache Kafka class names) the consumer implements. */
    public static boolean knownAssignor(String name) {
        return Assignor.forName(name) != null;
    }
}
