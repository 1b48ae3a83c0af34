package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.skein.serdes.SchemaRegistryClientTest.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AvroSerdeTest {
    static final Schema V1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"}]}");
    static final Schema V2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"t\","
            + "\"fields\":[{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"age\",\"type\":\"int\",\"default\":-1}]}");
    static final SerdeContext PRODUCE = SerdeContext.forProducer("users", SerdeContext.Target.VALUE, new java.util.ArrayList<>());
    static final SerdeContext CONSUME = SerdeContext.forConsumer("users", SerdeContext.Target.VALUE, List.of(), 2, 17L);

    WireMockServer wm;

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        wm.stubFor(post(urlEqualTo("/subjects/users-value/versions")).willReturn(okJson("{\"id\":1}")));
        wm.stubFor(get(urlEqualTo("/schemas/ids/1")).willReturn(okJson("{\"schema\":" + quote(V1.toString()) + "}")));
        wm.stubFor(get(urlEqualTo("/schemas/ids/99")).willReturn(aResponse().withStatus(404)
                .withBody("{\"error_code\":40403,\"message\":\"Schema 99 not found\"}")));
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    SchemaRegistryClient client() {
        return SchemaRegistryClient.builder().url(wm.baseUrl()).timeout(Duration.ofSeconds(2)).build();
    }

    static GenericRecord user(String name) {
        GenericRecord r = new GenericData.Record(V1);
        r.put("name", name);
        return r;
    }

    @Test
    void genericRecordsUseTheWireFormatAndTheRegistryOncePerSchema() {
        Serde<GenericRecord> writer = AvroSerde.builder(client()).generic();
        Serde<GenericRecord> reader = AvroSerde.builder(client()).generic();
        for (int i = 0; i < 100; i++) {
            byte[] bytes = writer.serializer().serialize(user("u" + i), PRODUCE);
            assertArrayEquals(new byte[] {0, 0, 0, 0, 1}, Arrays.copyOf(bytes, 5), "magic byte 0, then schema id 1");
            assertEquals("u" + i, reader.deserializer().deserialize(bytes, CONSUME).get("name").toString());
        }
        wm.verify(1, postRequestedFor(urlEqualTo("/subjects/users-value/versions")));
        wm.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/1")));
    }

    @Test
    void writesAndReadsTheConfluentWireFormatByteForByte() {
        // Confluent's documented framing (magic 0, 4-byte big-endian id 1) then Avro binary: "ann" is
        // its zig-zag length 3 (0x06) and its UTF-8 bytes
        byte[] confluent = {0, 0, 0, 0, 1, 0x06, 'a', 'n', 'n'};
        assertArrayEquals(confluent, AvroSerde.builder(client()).generic().serializer().serialize(user("ann"), PRODUCE));
        assertEquals("ann", AvroSerde.builder(client()).generic().deserializer().deserialize(confluent, CONSUME)
                .get("name").toString());
    }

    @Test
    void aNewerReaderSchemaResolvesOldRecords() {
        byte[] bytes = AvroSerde.builder(client()).generic().serializer().serialize(user("ann"), PRODUCE);
        GenericRecord read = AvroSerde.builder(client()).readerSchema(V2).generic().deserializer().deserialize(bytes, CONSUME);
        assertEquals("ann", read.get("name").toString());
        assertEquals(-1, read.get("age"), "the new field takes its default");
    }

    @Test
    void specificRecordsAndSubjectNameStrategies() {
        wm.stubFor(post(urlEqualTo("/subjects/dev.skein.serdes.TestOrder/versions")).willReturn(okJson("{\"id\":5}")));
        wm.stubFor(post(urlEqualTo("/subjects/users-dev.skein.serdes.TestOrder/versions")).willReturn(okJson("{\"id\":6}")));
        wm.stubFor(get(urlEqualTo("/schemas/ids/5")).willReturn(okJson("{\"schema\":" + quote(TestOrder.SCHEMA$.toString()) + "}")));
        AvroSerde<TestOrder> byRecord = AvroSerde.builder(client()).subjectNameStrategy(SubjectNameStrategy.RECORD_NAME)
                .specific(TestOrder.class);
        byte[] bytes = byRecord.serializer().serialize(new TestOrder("o-1", 250), PRODUCE);
        assertEquals(5, bytes[4]);
        TestOrder back = AvroSerde.builder(client()).specific(TestOrder.class).deserializer().deserialize(bytes, CONSUME);
        assertEquals("o-1", back.id());
        assertEquals(250, back.amount());
        byte[] topicRecord = AvroSerde.builder(client()).subjectNameStrategy(SubjectNameStrategy.TOPIC_RECORD_NAME)
                .specific(TestOrder.class).serializer().serialize(new TestOrder("o-2", 1), PRODUCE);
        assertEquals(6, topicRecord[4]);
    }

    @Test
    void withoutAutoRegisterTheSchemaIsLookedUpAndWithLatestTheLatestIsUsed() {
        wm.stubFor(post(urlEqualTo("/subjects/users-value")).willReturn(okJson(
                "{\"subject\":\"users-value\",\"version\":3,\"id\":11,\"schema\":" + quote(V1.toString()) + "}")));
        byte[] looked = AvroSerde.builder(client()).autoRegister(false).generic().serializer().serialize(user("x"), PRODUCE);
        assertEquals(11, looked[4]);
        wm.verify(0, postRequestedFor(urlEqualTo("/subjects/users-value/versions")));

        wm.stubFor(get(urlEqualTo("/subjects/users-value/versions/latest")).willReturn(okJson(
                "{\"subject\":\"users-value\",\"version\":4,\"id\":1,\"schema\":" + quote(V1.toString()) + "}")));
        byte[] latest = AvroSerde.builder(client()).useLatestVersion(true).generic().serializer().serialize(user("y"), PRODUCE);
        assertEquals(1, latest[4]);
    }

    @Test
    void badPayloadsSayWhatIsWrongAndWhere() {
        Deserializer<GenericRecord> d = AvroSerde.builder(client()).generic().deserializer();
        SerializationException magic = assertThrows(SerializationException.class,
                () -> d.deserialize(new byte[] {7, 0, 0, 0, 1, 2}, CONSUME));
        assertTrue(magic.getMessage().contains("users-2 offset 17 value") && magic.getMessage().contains("magic byte 0x07"),
                magic.getMessage());
        SerializationException unknown = assertThrows(SerializationException.class,
                () -> d.deserialize(new byte[] {0, 0, 0, 0, 99, 2}, CONSUME));
        assertTrue(unknown.getMessage().contains("unknown schema id 99"), unknown.getMessage());
        byte[] good = AvroSerde.builder(client()).generic().serializer().serialize(user("a-long-name"), PRODUCE);
        SerializationException truncated = assertThrows(SerializationException.class,
                () -> d.deserialize(Arrays.copyOf(good, good.length - 3), CONSUME));
        assertTrue(truncated.getMessage().contains("truncated or malformed"), truncated.getMessage());
        assertEquals(good.length - 3, truncated.data().length);
        assertThrows(SerializationException.class, () -> d.deserialize(new byte[] {0, 0}, CONSUME));
    }

    @Test
    void anUnreachableRegistryFailsTheRecordClearly() {
        int port = wm.port();
        wm.stop();
        SchemaRegistryClient dead = SchemaRegistryClient.builder().url("http://127.0.0.1:" + port)
                .retries(0, Duration.ZERO).build();
        SerializationException e = assertThrows(SerializationException.class,
                () -> AvroSerde.builder(dead).generic().serializer().serialize(user("z"), PRODUCE));
        assertTrue(e.getMessage().contains("topic users value") && e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void aPrimitiveAvroValueIsASerializationExceptionNotAClassCastLater() {
        // Confluent's serializer writes primitives too (a "string" key, say); this serde reads records
        wm.stubFor(get(urlEqualTo("/schemas/ids/4")).willReturn(okJson("{\"schema\":\"\\\"string\\\"\"}")));
        Deserializer<GenericRecord> d = AvroSerde.builder(client()).generic().deserializer();
        SerializationException e = assertThrows(SerializationException.class, () -> {
            GenericRecord r = d.deserialize(new byte[] {0, 0, 0, 0, 4, 0x06, 'a', 'n', 'n'}, CONSUME);
            r.getSchema();
        });
        assertTrue(e.getMessage().contains("schema id 4") && e.getMessage().contains("string"), e.getMessage());
    }

    @Test
    void nonAvroValuesAreRefused() {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Serializer<Object> s = (Serializer) AvroSerde.builder(client()).generic().serializer();
        assertThrows(SerializationException.class, () -> s.serialize("not a record", PRODUCE));
    }
}
