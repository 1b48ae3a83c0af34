package dev.skein.admin;

import dev.skein.core.message.ApiMessage;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Manages a Kafka cluster: topics, configs, the cluster itself, consumer groups and their offsets,
 * share groups and their start offsets, partition offsets and records, and a raw escape hatch. Calls are
 * asynchronous; each is sent where it belongs (any broker, the controller, a coordinator, a partition
 * leader), retries retriable errors within {@code default.api.timeout.ms}, and fails with a typed
 * exception naming the item at fault. Calls naming several items return {@link Results}, one future
 * per item. Thread-safe.
 *
 * <pre>{@code
 * try (Admin admin = Admin.builder().bootstrapServers("localhost:9092").build()) {
 *     admin.topics().create(List.of(NewTopic.of("orders", 12, 3))).all().get();
 *     TopicDescription d = admin.topics().describe(List.of("orders")).get("orders").get();
 * }
 * }</pre>
 */
public interface Admin extends AutoCloseable {
    static AdminBuilder builder() {
        return new AdminBuilder();
    }

    TopicAdmin topics();

    ConfigAdmin configs();

    ClusterAdmin cluster();

    GroupAdmin groups();

    /** Share groups (KIP-932): list, describe, start offsets, delete. */
    ShareGroupAdmin shareGroups();

    /** Streams groups (KIP-1071): list, describe, committed offsets, delete. */
    StreamsGroupAdmin streamsGroups();

    RecordAdmin records();

    AclAdmin acls();

    TransactionAdmin transactions();

    CredentialAdmin credentials();

    QuotaAdmin quotas();

    PartitionAdmin partitions();

    /** Delegation tokens (KIP-48): create, renew, expire, describe. */
    TokenAdmin tokens();

    /**
     * Sends any request to {@code target} at the highest version both sides support, and returns the
     * broker's typed response as is (error codes in it are not interpreted). For APIs this client has
     * no call for yet.
     */
    <R extends ApiMessage> CompletableFuture<R> send(Target target, ApiMessage request);

    @Override
    void close();

    /** Closes, failing calls still running after {@code timeout}. */
    void close(Duration timeout);
}
