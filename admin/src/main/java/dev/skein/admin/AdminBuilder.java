package dev.skein.admin;

import dev.skein.admin.internal.SkeinAdmin;
import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Options of an {@link Admin}: typed setters and the standard Kafka property names through
 * {@link #property}. {@link #build()} validates and names the key at fault.
 */
public final class AdminBuilder {
    private final ClientOptions.Builder client = ClientOptions.builder().clientId("skein-admin");
    private Duration defaultApiTimeout = Duration.ofMinutes(1);
    private ClientResources resources;

    AdminBuilder() {}

    public AdminBuilder bootstrapServers(String servers) { return property("bootstrap.servers", servers); }

    public AdminBuilder bootstrapServers(List<String> servers) { return property("bootstrap.servers", servers); }

    public AdminBuilder clientId(String id) { return property("client.id", id); }

    /** How long one request may take before it is retried (or fails). */
    public AdminBuilder requestTimeout(Duration d) { return property("request.timeout.ms", d); }

    /** How long a call may take in all, retries included. Default one minute. */
    public AdminBuilder defaultApiTimeout(Duration d) { return property("default.api.timeout.ms", d); }

    /** Event loops and buffers shared with other clients in this process. */
    public AdminBuilder resources(ClientResources shared) { this.resources = shared; return this; }

    /**
     * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
     * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).trustStore(path, password)
     * .sasl(SaslCredentials.scramSha512(user, password))}. The same options as properties work too.
     */
    public AdminBuilder clientOptions(Consumer<ClientOptions.Builder> options) {
        options.accept(client);
        return this;
    }

    public AdminBuilder properties(Map<String, ?> props) {
        props.forEach(this::property);
        return this;
    }

    public AdminBuilder properties(Properties props) {
        props.stringPropertyNames().forEach(k -> property(k, props.getProperty(k)));
        return this;
    }

    /**
     * Sets an option by its standard Kafka property name.
     *
     * @throws dev.skein.core.errors.ConfigException naming the key when it is unknown or its value invalid
     */
    public AdminBuilder property(String key, Object value) {
        if (key.equals("default.api.timeout.ms")) {
            defaultApiTimeout = ConfigValues.millis(key, value, 1);
        } else {
            client.set(key, value);
        }
        return this;
    }

    /** @throws dev.skein.core.errors.ConfigException naming the key at fault */
    public Admin build() {
        return new SkeinAdmin(client.build(), defaultApiTimeout, resources);
    }
}
