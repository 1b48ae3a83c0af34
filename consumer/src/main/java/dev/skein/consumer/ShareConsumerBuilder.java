package dev.skein.consumer;

import dev.skein.consumer.internal.SkeinShareConsumer;
import dev.skein.core.ClientOptions;
import dev.skein.serdes.Deserializer;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a {@link ShareConsumer}. Takes the consumer's options ({@code group.id} names the share group;
 * the client, fetch and timeout options apply; group-protocol, offset and commit options do not: those
 * of a share group are the group's configs, {@code share.auto.offset.reset} and the like) and
 * {@code share.acknowledgement.mode}.
 */
public final class ShareConsumerBuilder<K, V> {
    public static final String ACKNOWLEDGEMENT_MODE = "share.acknowledgement.mode";

    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final ConsumerOptions.Builder options = ConsumerOptions.builder();
    private AcknowledgementMode mode = AcknowledgementMode.IMPLICIT;

    ShareConsumerBuilder(Deserializer<K> keys, Deserializer<V> values) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.values = Objects.requireNonNull(values, "values");
    }

    public ShareConsumerBuilder<K, V> bootstrapServers(String servers) { options.bootstrapServers(servers); return this; }

    /** The share group. */
    public ShareConsumerBuilder<K, V> groupId(String group) { options.groupId(group); return this; }

    public ShareConsumerBuilder<K, V> clientId(String id) { options.clientId(id); return this; }

    public ShareConsumerBuilder<K, V> acknowledgementMode(AcknowledgementMode m) {
        this.mode = Objects.requireNonNull(m, "acknowledgementMode");
        return this;
    }

    /** Records a poll returns at most (ShareFetch's MaxRecords). */
    public ShareConsumerBuilder<K, V> maxPollRecords(int n) { options.maxPollRecords(n); return this; }

    public ShareConsumerBuilder<K, V> fetchMaxWait(Duration d) { options.fetchMaxWait(d); return this; }

    public ShareConsumerBuilder<K, V> defaultApiTimeout(Duration d) { options.defaultApiTimeout(d); return this; }

    public ShareConsumerBuilder<K, V> client(java.util.function.Consumer<ClientOptions.Builder> changes) {
        options.client(changes);
        return this;
    }

    /** Changes the consumer options this share consumer takes. */
    public ShareConsumerBuilder<K, V> options(java.util.function.Consumer<ConsumerOptions.Builder> changes) {
        changes.accept(options);
        return this;
    }

    /** A property by its standard name, {@code share.acknowledgement.mode} included. */
    public ShareConsumerBuilder<K, V> property(String key, Object value) {
        if (ACKNOWLEDGEMENT_MODE.equals(key)) {
            mode = AcknowledgementMode.forName(String.valueOf(value));
        } else {
            options.set(key, value);
        }
        return this;
    }

    public ShareConsumerBuilder<K, V> properties(Map<String, ?> props) {
        props.forEach(this::property);
        return this;
    }

    /** @throws dev.skein.core.errors.ConfigException naming a bad key; IllegalArgumentException without a group */
    public ShareConsumer<K, V> build() {
        ConsumerOptions o = options.build();
        if (o.groupId() == null || o.groupId().isEmpty()) {
            throw new IllegalArgumentException("group.id is required: it names the share group");
        }
        if (!o.interceptorClasses().isEmpty()) {
            throw new dev.skein.core.errors.ConfigException("interceptor.classes",
                    "the share consumer takes no interceptors (ConsumerInterceptor is for Consumer)");
        }
        return new SkeinShareConsumer<>(o, mode, keys, values);
    }
}
