package dev.skein.admin;

import dev.skein.admin.internal.SkeinAdmin;
import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/**
 * Builds an {@link Admin}: its {@link AdminOptions} (whole, through {@link #options}, or one typed
 * setter at a time; the standard Kafka names through {@link #property}) and the event loops it may
 * share. {@link #build()} validates and names the key at fault.
 */
public final class AdminBuilder {
    private AdminOptions.Builder options = AdminOptions.builder();
    private ClientResources resources;

    AdminBuilder() {}

    /** Starts from these options (what is set after this changes a copy of them). */
    public AdminBuilder options(AdminOptions o) { this.options = o.mutate(); return this; }

    public AdminBuilder bootstrapServers(String servers) { options.bootstrapServers(servers); return this; }

    public AdminBuilder bootstrapServers(List<String> servers) { options.bootstrapServers(servers); return this; }

    public AdminBuilder clientId(String id) { options.clientId(id); return this; }

    /** How long one request may take before it is retried (or fails). */
    public AdminBuilder requestTimeout(Duration d) { options.requestTimeout(d); return this; }

    /** How long a call may take in all, retries included. Default one minute. */
    public AdminBuilder defaultApiTimeout(Duration d) { options.defaultApiTimeout(d); return this; }

    /** Event loops and buffers shared with other clients in this process. */
    public AdminBuilder resources(ClientResources shared) { this.resources = shared; return this; }

    /**
     * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
     * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).trustStore(path, password)
     * .sasl(SaslCredentials.scramSha512(user, password))}. The same options as properties work too.
     */
    public AdminBuilder clientOptions(Consumer<ClientOptions.Builder> changes) {
        options.client(changes);
        return this;
    }

    public AdminBuilder properties(Map<String, ?> props) { options.properties(props); return this; }

    public AdminBuilder properties(Properties props) { options.properties(props); return this; }

    /**
     * Sets an option by its standard Kafka property name; see {@link AdminOptions.Builder#set}.
     *
     * @throws dev.skein.core.errors.ConfigException naming the key when it is unknown or its value invalid
     */
    public AdminBuilder property(String key, Object value) { options.set(key, value); return this; }

    /** @throws dev.skein.core.errors.ConfigException naming the key at fault */
    public Admin build() {
        AdminOptions o = options.build();
        return new SkeinAdmin(o.client(), o.defaultApiTimeout(), resources);
    }
}
