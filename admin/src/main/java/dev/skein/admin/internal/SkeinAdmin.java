package dev.skein.admin.internal;

import dev.skein.admin.AclAdmin;
import dev.skein.admin.Admin;
import dev.skein.admin.CredentialAdmin;
import dev.skein.admin.PartitionAdmin;
import dev.skein.admin.QuotaAdmin;
import dev.skein.admin.TokenAdmin;
import dev.skein.admin.TransactionAdmin;
import dev.skein.admin.ClusterAdmin;
import dev.skein.admin.ConfigAdmin;
import dev.skein.admin.GroupAdmin;
import dev.skein.admin.RecordAdmin;
import dev.skein.admin.ShareGroupAdmin;
import dev.skein.admin.StreamsGroupAdmin;
import dev.skein.admin.Target;
import dev.skein.admin.TopicAdmin;
import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.internal.ClientIds;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.message.ApiMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The admin client: one {@link ClusterClient}, and the calls grouped by concern on top of it. */
public final class SkeinAdmin implements Admin {
    private static final Logger log = LoggerFactory.getLogger(SkeinAdmin.class);

    private final ClusterClient client;
    private final Calls calls;
    private final TopicAdmin topics;
    private final ConfigAdmin configs;
    private final ClusterAdmin cluster;
    private final GroupAdmin groups;
    private final ShareGroupAdmin shareGroups;
    private final StreamsGroupAdmin streamsGroups;
    private final RecordAdmin records;
    private final AclAdmin acls;
    private final TransactionAdmin transactions;
    private final CredentialAdmin credentials;
    private final QuotaAdmin quotas;
    private final TokenAdmin tokens;
    private final PartitionAdmin partitions;
    private volatile boolean closed;

    public SkeinAdmin(ClientOptions options, Duration apiTimeout, ClientResources shared) {
        options = options.withDefaultClientId(ClientIds::admin); // adminclient-<n> unless client.id is set
        this.client = ClusterClient.start(options, shared);
        this.calls = new Calls(client, apiTimeout);
        this.topics = new TopicCalls(calls);
        this.configs = new ConfigCalls(calls);
        this.cluster = new ClusterCalls(calls);
        this.records = new RecordCalls(calls);
        GroupCalls groupCalls = new GroupCalls(calls, records);
        this.groups = groupCalls;
        this.shareGroups = new ShareGroupCalls(calls, groupCalls, records);
        this.streamsGroups = new StreamsGroupCalls(calls, groupCalls);
        this.acls = new AclCalls(calls);
        this.transactions = new TransactionCalls(calls);
        this.credentials = new CredentialCalls(calls);
        this.quotas = new QuotaCalls(calls);
        this.tokens = new TokenCalls(calls);
        this.partitions = new PartitionCalls(calls);
        log.info("admin client {} started for {}", options.clientId(), options.bootstrapServers());
    }

    @Override
    public TopicAdmin topics() {
        ensureOpen();
        return topics;
    }

    @Override
    public ConfigAdmin configs() {
        ensureOpen();
        return configs;
    }

    @Override
    public ClusterAdmin cluster() {
        ensureOpen();
        return cluster;
    }

    @Override
    public GroupAdmin groups() {
        ensureOpen();
        return groups;
    }

    @Override
    public ShareGroupAdmin shareGroups() {
        ensureOpen();
        return shareGroups;
    }

    @Override
    public StreamsGroupAdmin streamsGroups() {
        ensureOpen();
        return streamsGroups;
    }

    @Override
    public RecordAdmin records() {
        ensureOpen();
        return records;
    }

    @Override
    public AclAdmin acls() {
        ensureOpen();
        return acls;
    }

    @Override
    public TransactionAdmin transactions() {
        ensureOpen();
        return transactions;
    }

    @Override
    public CredentialAdmin credentials() {
        ensureOpen();
        return credentials;
    }

    @Override
    public QuotaAdmin quotas() {
        ensureOpen();
        return quotas;
    }

    @Override
    public TokenAdmin tokens() {
        ensureOpen();
        return tokens;
    }

    @Override
    public PartitionAdmin partitions() {
        ensureOpen();
        return partitions;
    }

    @Override
    public <R extends ApiMessage> CompletableFuture<R> send(Target target, ApiMessage request) {
        ensureOpen();
        var ready = client.awaitReady(client.options().requestTimeout());
        return calls.running(ready.thenCompose(c -> {
            if (target instanceof Target.Broker b) {
                return client.<R>send(b.id(), request);
            }
            if (target instanceof Target.Controller && c.controllerId() >= 0 && c.broker(c.controllerId()) != null) {
                return client.<R>send(c.controllerId(), request);
            }
            if (target instanceof Target.Coordinator co) {
                return calls.retrying("find the coordinator of " + co.key(), () -> calls.coordinator(co.keyType(), co.key()))
                        .thenCompose(node -> client.<R>send(node, request));
            }
            return client.<R>sendToAny(request);
        }));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the admin client is closed");
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    @Override
    public void close(Duration timeout) {
        if (!closed) {
            closed = true;
            calls.close(timeout); // new calls are refused; those running get the grace period, then fail
            client.close();
            log.info("admin client closed");
        }
    }
}
