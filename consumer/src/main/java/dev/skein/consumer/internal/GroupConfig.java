package dev.skein.consumer.internal;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.consumer.ConsumerOptions;
import java.time.Duration;
import java.util.List;

/** What the membership state machines need of a consumer's settings: the group's identity and its clocks. */
record GroupConfig(String groupId, String instanceId, String rack, Duration sessionTimeout, Duration heartbeatInterval,
                   Duration maxPollInterval, Duration retryBackoff, Duration retryBackoffMax, String remoteAssignor,
                   List<ClassicAssignor> assignors) {

    static GroupConfig of(ConsumerOptions s) {
        return new GroupConfig(s.groupId(), s.groupInstanceId(), s.rack(), s.sessionTimeout(), s.heartbeatInterval(),
                s.maxPollInterval(), s.client().retryBackoff(), s.client().retryBackoffMax(), s.remoteAssignor(),
                s.assignors());
    }
}
