package dev.skein.consumer.internal;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.GroupProtocol;
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
                               int maxPartitionFetchBytes, IsolationLevel isolation, List<ClassicAssignor> assignors, String rack,
                               boolean checkCrcs, long bufferMaxBytes, Duration defaultApiTimeout,
                               MeterRegistry meterRegistry, GroupProtocol groupProtocol, String remoteAssignor,
                               List<String> classicOnlyOptions) {
}
