package dev.skein.serdes;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.skein.serdes.internal.ProtoParser;
import dev.skein.testkit.SchemaRegistryStub;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The serdes' own caches (ids, schemas, readers, writers, validators) hold no more than the registry
 * client's cache capacity, as the client's own caches do: a long-lived serde fed ever-new schemas or
 * subjects (schema-per-tenant, topic-per-customer) must not grow without bound.
 */
class SerdeCachesTest {
    static final int CAPACITY = 4;
    static final int SCHEMAS = 20;

    SchemaRegistryStub stub;
    SchemaRegistryClient registry;

    @BeforeEach
    void start() throws Exception {
        stub = new SchemaRegistryStub();
        registry = SchemaRegistryClient.builder().url(stub.url()).cacheCapacity(CAPACITY).build();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    static SerdeContext produce(String topic) {
        return SerdeContext.forProducer(topic, SerdeContext.Target.VALUE, new ArrayList<>());
    }

    static SerdeContext consume(String topic) {
        return SerdeContext.forConsumer(topic, SerdeContext.Target.VALUE, List.of(), 0, 0L);
    }

    @Test
    void avroSerdeCachesStayWithinTheRegistryClientsCacheCapacity() {
        AvroSerde<GenericRecord> avro = AvroSerde.builder(registry).generic();
        for (int i = 0; i < SCHEMAS; i++) {
            Schema schema = SchemaBuilder.record("R" + i).fields().requiredInt("a").endRecord();
            GenericRecord r = new GenericData.Record(schema);
            r.put("a", i);
            byte[] bytes = avro.serializer().serialize(r, produce("t" + i));
            assertEquals(i, avro.deserializer().deserialize(bytes, consume("t" + i)).get("a"));
        }
        assertCachesWithin(avro);
        // what was dropped is fetched again, not lost
        Schema first = SchemaBuilder.record("R0").fields().requiredInt("a").endRecord();
        GenericRecord r = new GenericData.Record(first);
        r.put("a", 7);
        assertEquals(7, avro.deserializer().deserialize(avro.serializer().serialize(r, produce("t0")), consume("t0")).get("a"));
    }

    @Test
    void protobufSerdeCachesStayWithinTheRegistryClientsCacheCapacity() throws Exception {
        ProtobufSerde<Message> proto = ProtobufSerde.builder(registry).dynamic();
        for (int i = 0; i < SCHEMAS; i++) {
            FileDescriptor file = FileDescriptor.buildFrom(ProtoParser.parse("m" + i + ".proto",
                    "syntax = \"proto3\"; package p; message M" + i + " { int32 a = 1; }"), new FileDescriptor[0]);
            Descriptor type = file.getMessageTypes().get(0);
            Message m = DynamicMessage.newBuilder(type).setField(type.findFieldByName("a"), i).build();
            byte[] bytes = proto.serializer().serialize(m, produce("t" + i));
            Message back = proto.deserializer().deserialize(bytes, consume("t" + i));
            assertEquals(i, back.getField(back.getDescriptorForType().findFieldByName("a")));
        }
        assertCachesWithin(proto);
    }

    @Test
    void jsonSchemaSerdeCachesStayWithinTheRegistryClientsCacheCapacity() {
        JsonSchemaSerde<Map<String, Object>> json = JsonSchemaSerde.builder(registry).validateOnRead(true)
                .schema("{\"type\":\"object\"}").of(new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
        for (int i = 0; i < SCHEMAS; i++) {
            json.serializer().serialize(Map.of("a", i), produce("t" + i)); // one subject each
            int id = registry.register("other-" + i, "{\"type\":\"object\",\"title\":\"T" + i + "\"}", "JSON");
            byte[] payload = ("\u0000" + "    {\"a\":" + i + "}").getBytes(StandardCharsets.ISO_8859_1);
            payload[1] = (byte) (id >>> 24);
            payload[2] = (byte) (id >>> 16);
            payload[3] = (byte) (id >>> 8);
            payload[4] = (byte) id;
            assertEquals(i, json.deserializer().deserialize(payload, consume("other")).get("a"));
        }
        assertCachesWithin(json);
    }

    /** Every map-like field of the serde (anything with a {@code size()}) holds at most {@link #CAPACITY} entries. */
    static void assertCachesWithin(Object serde) {
        int checked = 0;
        for (Field f : serde.getClass().getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                continue;
            }
            try {
                f.setAccessible(true);
                Object v = f.get(serde);
                if (v == null || v instanceof List) {
                    continue;
                }
                Method size;
                try {
                    size = v.getClass().getMethod("size");
                } catch (NoSuchMethodException e) {
                    continue;
                }
                size.setAccessible(true);
                int n = (int) size.invoke(v);
                checked++;
                assertTrue(n <= CAPACITY, serde.getClass().getSimpleName() + "." + f.getName() + " holds " + n
                        + " entries; the registry client's cache capacity is " + CAPACITY);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(f.getName(), e);
            }
        }
        assertTrue(checked > 0, "no cache found in " + serde.getClass().getSimpleName());
    }
}
