package dev.skein.admin;

import dev.skein.core.ErrorCode;
import dev.skein.core.message.ApiKey;
import dev.skein.core.errors.GroupException;
import dev.skein.core.message.DeleteGroupsRequest;
import dev.skein.core.message.DeleteGroupsResponse;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DeleteGroups v3 (Kafka 4.4) against a real 4.4.0 broker: each group's result may carry an
 * ErrorMessage, and the admin's failure for that group says what the broker said. The broker fills it
 * for GROUP_DELETION_FAILED, which a healthy one-broker cluster does not produce; the fault proxy puts
 * that answer, with a message, in place of the broker's own (NON_EMPTY_GROUP, which 4.4.0 sends without one).
 */
@ExtendWith(KafkaClusterExtension.class)
class DeleteGroupsMessageIT {

    @Test
    void aGroupThatCannotBeDeletedFailsWithTheBrokersMessage(
            @OwnCluster(release = "4.4.0", faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String bootstrap = kafka.bootstrapServers();
        String topic = name("del-msg");
        String group = name("del-msg");
        try (Admin admin = Admin.builder().bootstrapServers(bootstrap).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", bootstrap));
             KafkaConsumer<String, String> member = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                     "group.id", group, "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            reference.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            member.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (member.assignment().isEmpty() && System.nanoTime() < deadline) {
                member.poll(Duration.ofMillis(100));
            }
            assertEquals(1, member.assignment().size(), "the member joined");

            // What the broker answers at v3 (a one-broker cluster: its only broker is the coordinator)
            DeleteGroupsResponse raw = admin.<DeleteGroupsResponse>send(Target.anyBroker(),
                    new DeleteGroupsRequest().setGroupsNames(List.of(group))).get(30, TimeUnit.SECONDS);
            DeleteGroupsResponse.DeletableGroupResult result = raw.results().get(0);
            assertEquals(ErrorCode.NON_EMPTY_GROUP.code(), result.errorCode());

            Throwable e = failure(admin.groups().delete(List.of(group)).get(group));
            assertInstanceOf(GroupException.class, e);
            assertTrue(e.getMessage().contains("NON_EMPTY_GROUP") && e.getMessage().contains(group), e.getMessage());
            if (result.errorMessage() != null && !result.errorMessage().isEmpty()) {
                assertTrue(e.getMessage().contains(result.errorMessage()), "the broker's message (" + result.errorMessage()
                        + ") is in the failure: " + e.getMessage());
            }

            String cause = "the group's offsets could not be written: simulated by the test";
            kafka.proxy(1).rewriteResponses(ApiKey.DELETE_GROUPS.id(), Integer.MAX_VALUE, f -> deletionFailed(f, cause));
            Throwable failed = failure(admin.groups().delete(List.of(group)).get(group));
            assertInstanceOf(GroupException.class, failed);
            assertEquals(ErrorCode.GROUP_DELETION_FAILED, ((GroupException) failed).errorCode());
            assertTrue(failed.getMessage().contains(cause), "the broker's ErrorMessage is in the failure: " + failed.getMessage());
            kafka.proxy(1).rewriteResponses(ApiKey.DELETE_GROUPS.id(), 0, f -> new FaultProxy.Rewritten(f, false));
        }
    }

    /** The DeleteGroups answer with every group failed as GROUP_DELETION_FAILED, {@code message} its cause (v3). */
    private static FaultProxy.Rewritten deletionFailed(ByteBuf frame, String message) {
        ByteBuf f = frame.slice();
        int correlationId = f.getInt(4);
        for (short v = DeleteGroupsResponse.HIGHEST_SUPPORTED_VERSION; v >= 2; v--) { // flexible: header tags are one 0 byte
            ByteBuf body = f.slice(9, f.readableBytes() - 9);
            DeleteGroupsResponse r;
            try {
                r = DeleteGroupsResponse.read(body, v);
            } catch (RuntimeException e) {
                continue;
            }
            if (body.isReadable()) {
                continue;
            }
            r.results().forEach(g -> g.setErrorCode(ErrorCode.GROUP_DELETION_FAILED.code()).setErrorMessage(message));
            ByteBuf out = Unpooled.buffer();
            out.writeInt(0).writeInt(correlationId).writeByte(0);
            r.write(out, v);
            out.setInt(0, out.readableBytes() - 4);
            return new FaultProxy.Rewritten(out, false);
        }
        return new FaultProxy.Rewritten(frame, false);
    }
}
