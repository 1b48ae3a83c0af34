package dev.skein.core.internal.net;

import dev.skein.core.message.ApiKey;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The first Apache Kafka release whose brokers serve an API, for the APIs a client can meet missing on
 * a 3.x broker, so an {@code UnsupportedVersionException} can say which broker would serve the call.
 * Some APIs came later in KRaft mode than with ZooKeeper, or exist in KRaft mode only. APIs every
 * broker since 2.1 serves (the oldest Kafka 4's protocol keeps, KIP-896) are not listed. The
 * compatibility suite checks each entry against the ApiVersions of every broker in its matrix.
 */
public final class KafkaReleases {
    /** The consumer group protocol (KIP-848): generally available, and {@code group.version=1} finalized, from 4.0. */
    public static final String CONSUMER_GROUP_PROTOCOL = "4.0";

    /** First release with ZooKeeper (null: never) and in KRaft mode. */
    private record First(String zooKeeper, String kraft) {}

    private static final Map<ApiKey, First> FIRST = new EnumMap<>(ApiKey.class);

    static {
        both(ApiKey.ELECT_LEADERS, "2.2");
        both(ApiKey.INCREMENTAL_ALTER_CONFIGS, "2.3");
        both(ApiKey.ALTER_PARTITION_REASSIGNMENTS, "2.4");
        both(ApiKey.LIST_PARTITION_REASSIGNMENTS, "2.4");
        both(ApiKey.OFFSET_DELETE, "2.4");
        both(ApiKey.DESCRIBE_CLIENT_QUOTAS, "2.6");
        both(ApiKey.ALTER_CLIENT_QUOTAS, "2.6");
        FIRST.put(ApiKey.DESCRIBE_USER_SCRAM_CREDENTIALS, new First("2.7", "3.5")); // KIP-900 brought SCRAM to KRaft
        FIRST.put(ApiKey.ALTER_USER_SCRAM_CREDENTIALS, new First("2.7", "3.5"));
        both(ApiKey.UPDATE_FEATURES, "2.7");
        both(ApiKey.DESCRIBE_CLUSTER, "2.8");
        both(ApiKey.DESCRIBE_PRODUCERS, "2.8");
        both(ApiKey.DESCRIBE_TRANSACTIONS, "3.0");
        both(ApiKey.LIST_TRANSACTIONS, "3.0");
        // A KRaft broker forwards it to the controller quorum (KIP-836); with ZooKeeper there is no quorum.
        FIRST.put(ApiKey.DESCRIBE_QUORUM, new First(null, "3.3"));
        FIRST.put(ApiKey.DESCRIBE_TOPIC_PARTITIONS, new First(null, "3.8"));
        // Listed by 3.7-3.9 brokers as an early-access preview (answered UNSUPPORTED_VERSION unless
        // enabled); served by default from 4.0, which has no ZooKeeper mode.
        FIRST.put(ApiKey.CONSUMER_GROUP_HEARTBEAT, new First(null, CONSUMER_GROUP_PROTOCOL));
        FIRST.put(ApiKey.CONSUMER_GROUP_DESCRIBE, new First(null, CONSUMER_GROUP_PROTOCOL));
    }

    private static void both(ApiKey api, String release) {
        FIRST.put(api, new First(release, release));
    }

    private KafkaReleases() {}

    /** The APIs with a known first release. */
    public static Set<ApiKey> listed() {
        return FIRST.keySet();
    }

    /**
     * The first release serving {@code api} in KRaft mode or with ZooKeeper; null when that mode never
     * serves it, or when the API is not {@linkplain #listed() listed}.
     */
    public static String firstServing(ApiKey api, boolean kraft) {
        First f = FIRST.get(api);
        return f == null ? null : kraft ? f.kraft() : f.zooKeeper();
    }

    /** {@code " (X needs Apache Kafka 3.8 or newer in KRaft mode)"} for a listed API, else the empty string. */
    public static String needs(ApiKey api) {
        First f = FIRST.get(api);
        if (f == null) {
            return "";
        }
        String release = f.zooKeeper() == null ? f.kraft() + " or newer in KRaft mode"
                : f.zooKeeper().equals(f.kraft()) ? f.kraft() + " or newer"
                : f.zooKeeper() + " or newer (" + f.kraft() + " in KRaft mode)";
        return " (" + api.displayName() + " needs Apache Kafka " + release + ")";
    }
}
