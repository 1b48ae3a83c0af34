package dev.skein.admin;

import dev.skein.core.ClientOptions;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An admin client's options, validated and immutable: the connection options ({@link #client()}) and
 * how long a call may take. Build them with {@link #builder()}'s typed setters, or with the standard
 * Kafka property names through {@link Builder#set}; derive a changed copy with {@link #mutate()}.
 * {@link Admin#builder()} takes them whole ({@link AdminBuilder#options}) or one setter at a time.
 */
public final class AdminOptions {
    /** {@code default.api.timeout.ms}: one minute. */
    public static final Duration DEFAULT_API_TIMEOUT = Duration.ofMinutes(1);
    /** The property names {@link Builder#set} takes beyond {@link ClientOptions#KEYS}. */
    public static final Set<String> KEYS = Set.of("default.api.timeout.ms");

    private final ClientOptions client;
    private final Duration defaultApiTimeout;

    private AdminOptions(ClientOptions client, Duration defaultApiTimeout) {
        this.client = client;
        this.defaultApiTimeout = defaultApiTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive a changed copy. */
    public Builder mutate() {
        Builder b = new Builder();
        b.client = client.mutate();
        b.defaultApiTimeout = defaultApiTimeout;
        return b;
    }

    /** Where the cluster is, timeouts, backoff, limits and security. */
    public ClientOptions client() { return client; }

    /** {@code default.api.timeout.ms}: how long a call may take in all, retries included. */
    public Duration defaultApiTimeout() { return defaultApiTimeout; }

    @Override
    public String toString() {
        return "AdminOptions(" + client + ", defaultApiTimeout=" + defaultApiTimeout + ")";
    }

    /**
     * Builder of {@link AdminOptions}: typed setters store their value, {@link #set} maps a standard
     * property name onto them, {@link #build()} checks them and names the property at fault.
     */
    public static final class Builder {
        private ClientOptions.Builder client = ClientOptions.builder();
        private Duration defaultApiTimeout = DEFAULT_API_TIMEOUT;

        private Builder() {}

        public Builder bootstrapServers(String servers) { client.bootstrapServers(servers); return this; }

        public Builder bootstrapServers(List<String> servers) { client.bootstrapServers(servers); return this; }

        /**
         * {@code client.id}: names the admin client in broker logs and quotas. Unset by default: each admin
         * client then names itself {@code adminclient-<n>}, counted in the JVM, as Apache Kafka's does.
         */
        public Builder clientId(String id) { client.clientId(id); return this; }

        /** {@code request.timeout.ms}: how long one request may take before it is retried (or fails). */
        public Builder requestTimeout(Duration d) { client.requestTimeout(d); return this; }

        /** {@code default.api.timeout.ms}: how long a call may take in all, retries included. Default one minute. */
        public Builder defaultApiTimeout(Duration d) {
            this.defaultApiTimeout = Objects.requireNonNull(d, "defaultApiTimeout");
            return this;
        }

        /** Connection and security options through {@link ClientOptions.Builder}'s typed methods. */
        public Builder client(Consumer<ClientOptions.Builder> options) { options.accept(client); return this; }

        /** Replaces the connection and security options with these. */
        public Builder client(ClientOptions options) { this.client = options.mutate(); return this; }

        /** Sets every entry by its standard name; see {@link #set}. */
        public Builder properties(Map<String, ?> props) {
            props.forEach(this::set);
            return this;
        }

        /** Sets every entry by its standard name; see {@link #set}. */
        public Builder properties(Properties props) {
            props.stringPropertyNames().forEach(k -> set(k, props.getProperty(k)));
            return this;
        }

        /**
         * Sets one option by its standard Kafka property name ({@link #KEYS} or {@link ClientOptions#KEYS}).
         *
         * @throws ConfigException naming the key when it is unknown or its value cannot be read
         */
        public Builder set(String key, Object value) {
            if (key.equals("default.api.timeout.ms")) {
                defaultApiTimeout(ConfigValues.millis(key, value, 1));
            } else {
                client.set(key, value);
            }
            return this;
        }

        /** @throws ConfigException naming the property at fault */
        public AdminOptions build() {
            ClientOptions options = client.build();
            ConfigValues.millis("default.api.timeout.ms", defaultApiTimeout, 1);
            return new AdminOptions(options, defaultApiTimeout);
        }
    }
}
