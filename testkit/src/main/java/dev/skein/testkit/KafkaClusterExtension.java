package dev.skein.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that injects {@link KafkaCluster} parameters.
 *
 * <p>A plain {@code KafkaCluster} parameter is the one single-broker cluster shared by every test
 * in the JVM: started on first use, killed when the JVM's tests are done. Topic names should be
 * unique per test. A parameter annotated {@link OwnCluster} gets a fresh cluster instead.
 *
 * <pre>{@code
 * @ExtendWith(KafkaClusterExtension.class)
 * class MyIT {
 *     @Test void works(KafkaCluster kafka) { ... kafka.bootstrapServers() ... }
 *     @Test void survivesFailover(@OwnCluster(brokers = 3) KafkaCluster kafka) { ... kafka.kill(1) ... }
 * }
 * }</pre>
 */
public final class KafkaClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaClusterExtension.class);
    private static final String SHARED = "shared-cluster";

    /** JUnit creates the extension, named in {@code @ExtendWith}. */
    public KafkaClusterExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        OwnCluster own = parameter.findAnnotation(OwnCluster.class).orElse(null);
        if (own == null) {
            return context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent(SHARED, k -> KafkaCluster.builder().build().start(), KafkaCluster.class);
        }
        KafkaCluster.Builder builder = KafkaCluster.builder().brokers(own.brokers()).faultProxy(own.faultProxy())
                .replicationProxy(own.replicationProxy())
                .securityListeners(own.securityListeners());
        if (!own.release().isEmpty()) {
            builder.release(own.release());
        }
        builder.metadataMode(own.metadataMode());
        for (String kv : own.config()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@OwnCluster config wants key=value, got " + kv);
            }
            builder.brokerConfig(kv.substring(0, eq), kv.substring(eq + 1));
        }
        for (String kv : own.features()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("@OwnCluster features wants name=level, got " + kv);
            }
            builder.feature(kv.substring(0, eq), Integer.parseInt(kv.substring(eq + 1)));
        }
        KafkaCluster cluster = builder.build().start();
        // Stored values that are AutoCloseable are closed when this context ends.
        context.getStore(NAMESPACE).put(new Object(), cluster);
        return cluster;
    }
}
