package dev.skein.core.internal;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.UUID;

/**
 * Member ids a client gives itself: a member of a consumer group under the consumer protocol (KIP-1082)
 * and of a share group (KIP-932) names itself. Apache Kafka's brokers read such an id as one of their
 * UUIDs, in their text form: the 16 bytes in URL-safe base64 without padding (22 characters). Kafka 4.1
 * answers a ShareFetch whose member id is in Java's dashed form with UNKNOWN_SERVER_ERROR (it fails to
 * decode it), so every id is made in Kafka's form; like Kafka's own, none starts with {@code -} (an id
 * on a command line would read as an option) and none is one of the two ids Kafka reserves.
 */
public final class MemberIds {
    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

    private MemberIds() {}

    /** A new random member id, in Apache Kafka's UUID text form. */
    public static String random() {
        while (true) {
            UUID u = UUID.randomUUID();
            String id = text(u);
            boolean reserved = u.getMostSignificantBits() == 0 && (u.getLeastSignificantBits() == 0 || u.getLeastSignificantBits() == 1);
            if (!reserved && !id.startsWith("-")) {
                return id;
            }
        }
    }

    /** {@code u} in Apache Kafka's UUID text form: its 16 bytes, most significant first, in URL-safe base64 without padding. */
    static String text(UUID u) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return BASE64.encodeToString(b.array());
    }
}
