package dev.skein.admin;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.InvalidRequestException;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * UpdateFeatures against a KRaft cluster whose storage was formatted with {@code share.version=0}: the
 * upgrade Kafka 4.1+ needs before share groups work, read back through ApiVersions by Skein and by
 * Apache Kafka's Admin.
 */
@ExtendWith(KafkaClusterExtension.class)
class FeatureUpdateIT {

    @Test
    void shareVersionIsUpgradedAndRefusedUpdatesFailWithTheControllersError(
            @OwnCluster(features = "share.version=0") KafkaCluster kafka) throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            FeatureMetadata before = get(admin.cluster().features());
            assertNull(before.finalized().get("share.version"), "formatted at level 0 (not finalized): " + before);
            assertTrue(before.supported().get("share.version").max() >= 1, before.toString());

            // Validate only: accepted, and nothing changes.
            get(admin.cluster().validateFeatureUpdates(Map.of("share.version", FeatureUpdate.upgrade(1))).all());
            assertNull(get(admin.cluster().features()).finalized().get("share.version"), "validate-only applied nothing");

            // An unknown feature, and a level beyond the supported range: the controller's error names it.
            Throwable unknown = failure(admin.cluster().updateFeatures(Map.of("no.such.feature", FeatureUpdate.upgrade(1)))
                    .get("no.such.feature"));
            assertInstanceOf(InvalidRequestException.class, unknown, unknown.toString());
            assertEquals(ErrorCode.INVALID_UPDATE_VERSION, ((InvalidRequestException) unknown).errorCode());
            assertTrue(unknown.getMessage().contains("no.such.feature"), unknown.getMessage());
            Throwable tooHigh = failure(admin.cluster().updateFeatures(Map.of("share.version", FeatureUpdate.upgrade(99)))
                    .get("share.version"));
            assertEquals(ErrorCode.INVALID_UPDATE_VERSION, ((InvalidRequestException) tooHigh).errorCode());
            assertTrue(tooHigh.getMessage().contains("share.version"), tooHigh.getMessage());

            // One refused update in a call: the controller applies none of it, and every feature says why.
            Map<String, FeatureUpdate> mixed = new LinkedHashMap<>();
            mixed.put("share.version", FeatureUpdate.upgrade(1));
            mixed.put("no.such.feature", FeatureUpdate.upgrade(1));
            Results<String, Void> both = admin.cluster().updateFeatures(mixed);
            Throwable mixedShare = failure(both.get("share.version"));
            assertTrue(mixedShare.getMessage().contains("no.such.feature"), mixedShare.getMessage());
            Throwable mixedUnknown = failure(both.get("no.such.feature"));
            assertEquals(ErrorCode.INVALID_UPDATE_VERSION, ((InvalidRequestException) mixedUnknown).errorCode());
            assertNull(get(admin.cluster().features()).finalized().get("share.version"), "nothing of the call applied");

            // The upgrade itself.
            get(admin.cluster().updateFeatures(Map.of("share.version", FeatureUpdate.upgrade(1))).all());
            Await.until("share.version 1 finalized", Duration.ofSeconds(30), () -> {
                FeatureMetadata.Range r = get(admin.cluster().features()).finalized().get("share.version");
                return r != null && r.max() == 1;
            });
            assertEquals(1, reference.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS)
                    .finalizedFeatures().get("share.version").maxVersionLevel(), "the reference reads it back");

            // A safe downgrade back to 0 (validated first), then the upgrade again.
            assertThrows(IllegalArgumentException.class, () -> FeatureUpdate.upgrade(0), "level 0 is only a downgrade");
            get(admin.cluster().validateFeatureUpdates(Map.of("share.version", FeatureUpdate.safeDowngrade(0))).all());
            assertEquals(1, get(admin.cluster().features()).finalized().get("share.version").max(), "validate-only");
            get(admin.cluster().updateFeatures(Map.of("share.version", FeatureUpdate.safeDowngrade(0))).all());
            Await.until("share.version no longer finalized", Duration.ofSeconds(30),
                    () -> get(admin.cluster().features()).finalized().get("share.version") == null);
            get(admin.cluster().updateFeatures(Map.of("share.version", FeatureUpdate.upgrade(1))).all());
            Await.until("share.version 1 finalized again", Duration.ofSeconds(30), () -> {
                FeatureMetadata.Range r = get(admin.cluster().features()).finalized().get("share.version");
                return r != null && r.max() == 1;
            });

            // metadata.version refuses unsafe downgrades: the type reaches the controller as sent.
            short mv = get(admin.cluster().features()).finalized().get("metadata.version").max();
            Throwable unsafe = failure(admin.cluster().validateFeatureUpdates(Map.of("metadata.version",
                    FeatureUpdate.unsafeDowngrade(mv - 1))).get("metadata.version"));
            assertEquals(ErrorCode.INVALID_UPDATE_VERSION, ((InvalidRequestException) unsafe).errorCode());
            assertTrue(unsafe.getMessage().contains("Unsafe metadata"), "refused as the unsafe downgrade it is: "
                    + unsafe.getMessage());
            assertEquals(mv, get(admin.cluster().features()).finalized().get("metadata.version").max());
        }
    }
}
