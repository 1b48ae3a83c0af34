package dev.skein.consumer;

import dev.skein.core.errors.ConfigException;

import java.util.Locale;

/** Which group protocol a member speaks ({@code group.protocol}). */
public enum GroupProtocol {
    /** The consumer protocol when the broker offers ConsumerGroupHeartbeat, otherwise classic (said in one log line). The default. */
    AUTO("auto"),
    /** KIP-848: the broker assigns, and a rebalance never stops the other members. */
    CONSUMER("consumer"),
    /** The classic protocol: JoinGroup and SyncGroup, the leader member assigns with a {@link ClassicAssignor}. */
    CLASSIC("classic");

    private final String configName;

    GroupProtocol(String configName) {
        this.configName = configName;
    }

    /** The value of {@code group.protocol}: {@code auto}, {@code consumer} or {@code classic}. */
    public String configName() {
        return configName;
    }

    /**
     * The protocol a {@code group.protocol} value names, case-insensitive.
     *
     * @throws ConfigException naming the key when it names none
     */
    public static GroupProtocol forName(String name) {
        for (GroupProtocol p : values()) {
            if (p.configName.equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new ConfigException("group.protocol", "'" + name + "' is not one of auto, consumer, classic");
    }
}
