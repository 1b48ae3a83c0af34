package dev.skein.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link KafkaCluster} parameter that must not be the shared cluster: the test gets a
 * cluster of its own, closed when the scope it was resolved in ends (the test method, or the class
 * for a constructor or {@code @BeforeAll} parameter). Use it for tests that kill or pause brokers.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface OwnCluster {
    /** Number of brokers. */
    int brokers() default 1;

    /** Put a {@link FaultProxy} in front of each broker. */
    boolean faultProxy() default false;

    /** Put a {@link FaultProxy} in front of each node's replication listener ({@link KafkaCluster#replicationProxy}). */
    boolean replicationProxy() default false;

    /** Add the secured listeners of {@link KafkaCluster.Listener} (TLS, mutual TLS, SASL). */
    boolean securityListeners() default false;

    /** Broker configs, each {@code "key=value"} (an authorizer, say); {@code {id}} in a value becomes the node id. */
    String[] config() default {};

    /** The Apache Kafka release, such as {@code "3.9.1"}; empty for {@link KafkaCluster#BUILT_IN_RELEASE}. */
    String release() default "";

    /** KRaft, or ZooKeeper for a 3.x release. */
    MetadataMode metadataMode() default MetadataMode.KRAFT;

    /** Feature levels to format the storage with, each {@code "name=level"} ({@code transaction.version=1}). */
    String[] features() default {};
}
