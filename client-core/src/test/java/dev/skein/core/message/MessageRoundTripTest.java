package dev.skein.core.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every generated message at every version: random content survives encode and decode, and the
 * bytes are exactly what Apache Kafka's own generated code produces for the same message (our bytes
 * are parsed by the reference and re-encoded by it, and must come out identical).
 */
class MessageRoundTripTest {
    private static final int SAMPLES_PER_VERSION = 3;

    @TestFactory
    List<DynamicTest> everyMessageAtEveryVersionRoundTripsAndMatchesTheReferenceEncoding() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<? extends Message> type : AllMessages.topLevel()) {
            Message prototype = AllMessages.newInstance(type);
            for (short v = prototype.lowestSupportedVersion(); v <= prototype.highestSupportedVersion(); v++) {
                short version = v;
                tests.add(DynamicTest.dynamicTest(type.getSimpleName() + " v" + v, () -> roundTrip(type, version)));
            }
        }
        assertTrue(tests.size() > 500, "expected every version of ~200 messages, got " + tests.size());
        return tests;
    }

    private static void roundTrip(Class<? extends Message> type, short version) throws Exception {
        for (int sample = 0; sample < SAMPLES_PER_VERSION; sample++) {
            long seed = type.getName().hashCode() * 31L + version * 7L + sample;
            Message original = new RandomMessages(seed).fill(type, version);
            ByteBuf ours = RandomMessages.encode(original, version);
            byte[] bytes = ByteBufUtil.getBytes(ours);

            Message decoded = AllMessages.read(type, ours, version);
            assertEquals(0, ours.readableBytes(), "decoder consumed every byte");
            assertEquals(original, decoded, type.getSimpleName() + " v" + version + " seed " + seed);
            assertEquals(ByteBufUtil.hexDump(bytes), ByteBufUtil.hexDump(RandomMessages.encode(decoded, version)),
                    "re-encoding the decoded message gives the same bytes");

            byte[] reference = referenceReencode(type, bytes, version);
            assertEquals(ByteBufUtil.hexDump(reference), ByteBufUtil.hexDump(bytes),
                    "the reference implementation encodes the same message to the same bytes");
        }
    }

    /** Parses {@code bytes} with Apache Kafka's generated class and encodes it again with it. */
    static byte[] referenceReencode(Class<? extends Message> type, byte[] bytes, short version) throws Exception {
        org.apache.kafka.common.protocol.Message ref = referenceInstance(type);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        ref.read(new ByteBufferAccessor(in), version);
        assertEquals(0, in.remaining(), "the reference consumed every byte");
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer out = ByteBuffer.allocate(ref.size(cache, version));
        ref.write(new ByteBufferAccessor(out), cache, version);
        return out.array();
    }

    private static org.apache.kafka.common.protocol.Message referenceInstance(Class<? extends Message> type)
            throws Exception {
        Message ours = AllMessages.newInstance(type);
        if (ours instanceof ApiMessage api) {
            ApiKeys key = ApiKeys.forId(api.apiKey());
            return type.getSimpleName().endsWith("Request") ? key.messageType.newRequest() : key.messageType.newResponse();
        }
        for (String name : List.of(type.getSimpleName() + "Data", type.getSimpleName())) {
            try {
                return (org.apache.kafka.common.protocol.Message)
                        Class.forName("org.apache.kafka.common.message." + name).getConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                // try the next naming convention
            }
        }
        throw new IllegalStateException("no reference class for " + type.getSimpleName());
    }

    @Test
    void apiKeysAgreeWithTheReferenceOnVersionsAndHeaders() {
        for (ApiKey k : ApiKey.values()) {
            ApiKeys ref = ApiKeys.forId(k.id());
            assertNotNull(ref, k + " is known to the reference");
            assertEquals(ref.messageType.lowestSupportedVersion(), k.lowestVersion(), k.name());
            assertEquals(ref.messageType.highestSupportedVersion(true), k.highestVersion(), k.name());
            assertEquals(ref.messageType.highestSupportedVersion(false), k.highestStableVersion(), k.name());
            for (short v = k.lowestVersion(); v <= k.highestVersion(); v++) {
                assertEquals(ref.requestHeaderVersion(v), k.requestHeaderVersion(v), k + " v" + v + " request header");
                assertEquals(ref.responseHeaderVersion(v), k.responseHeaderVersion(v), k + " v" + v + " response header");
            }
        }
        assertEquals(ApiKeys.values().length, ApiKey.values().length, "one ApiKey per reference API");
    }
}
