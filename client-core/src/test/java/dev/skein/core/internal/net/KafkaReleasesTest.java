package dev.skein.core.internal.net;

import dev.skein.core.message.ApiKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KafkaReleasesTest {

    @Test
    void namesTheFirstReleasePerMetadataModeWhereTheyDiffer() {
        assertEquals(" (DescribeTransactions needs Apache Kafka 3.0 or newer)", KafkaReleases.needs(ApiKey.DESCRIBE_TRANSACTIONS));
        assertEquals(" (AlterUserScramCredentials needs Apache Kafka 2.7 or newer (3.5 in KRaft mode))",
                KafkaReleases.needs(ApiKey.ALTER_USER_SCRAM_CREDENTIALS));
        assertEquals(" (ConsumerGroupDescribe needs Apache Kafka 4.0 or newer in KRaft mode)",
                KafkaReleases.needs(ApiKey.CONSUMER_GROUP_DESCRIBE));
        assertEquals("", KafkaReleases.needs(ApiKey.PRODUCE), "every broker serves Produce");
        assertEquals("3.5", KafkaReleases.firstServing(ApiKey.ALTER_USER_SCRAM_CREDENTIALS, true));
        assertEquals(null, KafkaReleases.firstServing(ApiKey.DESCRIBE_TOPIC_PARTITIONS, false));
    }
}
