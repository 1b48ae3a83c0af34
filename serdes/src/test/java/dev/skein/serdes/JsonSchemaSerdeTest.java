package dev.skein.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.testkit.SchemaRegistryStub;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonSchemaSerdeTest {
    record Payment(String id, long cents, Currency currency) {}

    enum Currency { EUR, USD }

    static final String PAYMENT_SCHEMA = """
            {"$schema":"http://json-schema.org/draft-07/schema#","title":"samples.Payment","type":"object",
             "properties":{"id":{"type":"string","minLength":1},"cents":{"type":"integer","minimum":0},
                           "currency":{"enum":["EUR","USD"]}},
             "required":["id","cents"]}""";
    static final SerdeContext PRODUCE = SerdeContext.forProducer("payments", SerdeContext.Target.VALUE, new ArrayList<>());
    static final SerdeContext CONSUME = SerdeContext.forConsumer("payments", SerdeContext.Target.VALUE, List.of(), 0, 5L);

    SchemaRegistryStub stub;
    SchemaRegistryClient registry;

    @BeforeEach
    void start() throws Exception {
        stub = new SchemaRegistryStub();
        registry = SchemaRegistryClient.builder().url(stub.url()).build();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    /**
     * Golden bytes from the documented Confluent JSON Schema wire format (magic 0, 4-byte big-endian
     * id, UTF-8 JSON), as Confluent's KafkaJsonSchemaSerializer writes a Jackson-mapped object.
     */
    static byte[] golden(int id, String json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
        out.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void writesAndReadsTheConfluentWireFormatByteForByte() {
        int id = registry.register("payments-value", PAYMENT_SCHEMA, "JSON");
        byte[] confluent = golden(id, "{\"id\":\"p-1\",\"cents\":250,\"currency\":\"USD\"}");
        JsonSchemaSerde<Payment> serde = JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).of(Payment.class);
        assertEquals(new Payment("p-1", 250, Currency.USD), serde.deserializer().deserialize(confluent, CONSUME));
        assertArrayEquals(confluent, serde.serializer().serialize(new Payment("p-1", 250, Currency.USD), PRODUCE));

        JsonNode tree = JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).of(JsonNode.class)
                .deserializer().deserialize(confluent, CONSUME);
        assertEquals(250, tree.get("cents").asInt());
    }

    @Test
    void invalidValuesFailWithThePathThatBrokeTheSchema() {
        Serializer<Payment> s = JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).of(Payment.class).serializer();
        SerializationException e = assertThrows(SerializationException.class,
                () -> s.serialize(new Payment("p-2", -5, Currency.EUR), PRODUCE));
        assertTrue(e.getMessage().contains("topic payments value") && e.getMessage().contains("/cents: must have a minimum value of 0")
                && e.getMessage().contains("subject payments-value"), e.getMessage());
        SerializationException missing = assertThrows(SerializationException.class,
                () -> s.serialize(new Payment(null, 1, Currency.EUR), PRODUCE));
        assertTrue(missing.getMessage().contains("/id"), missing.getMessage());

        byte[] unchecked = JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).validate(false).of(Payment.class)
                .serializer().serialize(new Payment("p-2", -5, Currency.EUR), PRODUCE);
        assertEquals(-5, JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).of(Payment.class)
                .deserializer().deserialize(unchecked, CONSUME).cents(), "validation off writes what it is given");
        SerializationException onRead = assertThrows(SerializationException.class, () -> JsonSchemaSerde.builder(registry)
                .schema(PAYMENT_SCHEMA).validateOnRead(true).of(Payment.class).deserializer().deserialize(unchecked, CONSUME));
        assertTrue(onRead.getMessage().contains("payments-0 offset 5") && onRead.getMessage().contains("/cents: must have a minimum value of 0"),
                onRead.getMessage());
    }

    @Test
    void aSchemaGeneratedFromTheClassIsRegisteredAndEnforced() throws Exception {
        JsonSchemaSerde<Payment> serde = JsonSchemaSerde.builder(registry)
                .subjectNameStrategy(SubjectNameStrategy.RECORD_NAME).of(Payment.class);
        JsonNode schema = new ObjectMapper().readTree(serde.schema());
        assertEquals(Payment.class.getName(), schema.get("title").asText());
        assertEquals("integer", schema.at("/properties/cents/type").asText());
        assertEquals("[\"EUR\",\"USD\",null]", schema.at("/properties/currency/enum").toString());
        assertEquals("[\"cents\"]", schema.get("required").toString(), "primitives are required, references nullable");

        byte[] bytes = serde.serializer().serialize(new Payment("p-3", 1, null), PRODUCE);
        assertEquals(serde.schema(), registry.latest(Payment.class.getName()).schema(), "registered under the record name");
        assertEquals(new Payment("p-3", 1, null), serde.deserializer().deserialize(bytes, CONSUME));
    }

    @Test
    void referencedSchemasAreRegisteredWithTheirNamesAndResolved() {
        String money = "{\"type\":\"object\",\"properties\":{\"cents\":{\"type\":\"integer\",\"minimum\":0}},\"required\":[\"cents\"]}";
        registry.register("money", money, "JSON");
        String order = "{\"type\":\"object\",\"properties\":{\"total\":{\"$ref\":\"https://skein.dev/money.json\"}}}";
        List<SchemaReference> refs = List.of(new SchemaReference("https://skein.dev/money.json", "money", 1));
        JsonSchemaSerde<JsonNode> serde = JsonSchemaSerde.builder(registry).schema(order).references(refs).of(JsonNode.class);
        ObjectMapper m = new ObjectMapper();
        byte[] ok = serde.serializer().serialize(m.createObjectNode().set("total", m.createObjectNode().put("cents", 3)), PRODUCE);
        assertEquals(refs, registry.schemaById(ok[4]).references());
        SerializationException e = assertThrows(SerializationException.class, () -> serde.serializer()
                .serialize(m.createObjectNode().set("total", m.createObjectNode().put("cents", -3)), PRODUCE));
        assertTrue(e.getMessage().contains("/total/cents"), e.getMessage());
    }

    @Test
    void relativeReferenceNamesResolveToo() {
        registry.register("money", "{\"type\":\"integer\",\"minimum\":0}", "JSON");
        String order = "{\"type\":\"object\",\"properties\":{\"total\":{\"$ref\":\"money.json\"}}}";
        JsonSchemaSerde<JsonNode> serde = JsonSchemaSerde.builder(registry).schema(order)
                .references(List.of(new SchemaReference("money.json", "money", 1))).of(JsonNode.class);
        ObjectMapper m = new ObjectMapper();
        serde.serializer().serialize(m.createObjectNode().put("total", 5), PRODUCE);
        SerializationException e = assertThrows(SerializationException.class,
                () -> serde.serializer().serialize(m.createObjectNode().put("total", -5), PRODUCE));
        assertTrue(e.getMessage().contains("/total"), e.getMessage());
    }

    @Test
    void anUnresolvableReferenceIsAnErrorNotADownload() throws Exception {
        try (java.net.ServerSocket trap = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            trap.setSoTimeout(1);
            String schema = "{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"http://127.0.0.1:"
                    + trap.getLocalPort() + "/x.json\"}}}";
            Serializer<JsonNode> s = JsonSchemaSerde.builder(registry).schema(schema).of(JsonNode.class).serializer();
            ObjectMapper m = new ObjectMapper();
            SerializationException e = assertThrows(SerializationException.class,
                    () -> s.serialize(m.createObjectNode().put("x", 1), PRODUCE));
            assertTrue(e.getMessage().contains("cannot use JSON schema"), e.getMessage());
            assertThrows(java.net.SocketTimeoutException.class, trap::accept, "nobody connected to fetch it");
        }
    }

    @Test
    void useLatestVersionWritesWithTheSubjectsLatestIdAndValidatesAgainstIt() {
        int old = registry.register("payments-value", "{\"type\":\"object\"}", "JSON");
        int latest = registry.register("payments-value", PAYMENT_SCHEMA, "JSON");
        assertTrue(latest != old);
        Serializer<Payment> s = JsonSchemaSerde.builder(registry).useLatestVersion(true).of(Payment.class).serializer();
        assertEquals(latest, s.serialize(new Payment("p", 1, Currency.EUR), PRODUCE)[4]);
        assertThrows(SerializationException.class, () -> s.serialize(new Payment("", 1, Currency.EUR), PRODUCE),
                "minLength of the latest schema applies");
    }

    @Test
    void theConfluentPropertyNamesConfigureTheSerde() {
        JsonSchemaSerde<Payment> serde = JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).properties(java.util.Map.of(
                "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy",
                "json.fail.invalid.schema", "false")).of(Payment.class);
        byte[] bytes = serde.serializer().serialize(new Payment("p", -1, Currency.EUR), PRODUCE);
        assertEquals(bytes[4], registry.latest("payments-samples.Payment").id(), "registered under topic-record name, unchecked");
        assertThrows(SerializationException.class, () -> JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA)
                .set("auto.register.schemas", false).set("use.latest.version", "false")
                .set("key.subject.name.strategy", "RECORD_NAME").of(Payment.class).serializer()
                .serialize(new Payment("p", 1, Currency.EUR), PRODUCE), "samples.Payment is not registered");
        assertEquals("value.subject.name.strategy", assertThrows(dev.skein.core.errors.ConfigException.class,
                () -> JsonSchemaSerde.builder(registry).set("value.subject.name.strategy", "MyStrategy")).key());
        assertEquals("specific.avro.reader", assertThrows(dev.skein.core.errors.ConfigException.class,
                () -> ProtobufSerde.builder(registry).set("specific.avro.reader", true)).key());
        assertEquals(SubjectNameStrategy.RECORD_NAME, SubjectNameStrategy.of("k", "RecordNameStrategy"));
    }

    @Test
    void badPayloadsSayWhatIsWrong() {
        Deserializer<Payment> d = JsonSchemaSerde.builder(registry).schema(PAYMENT_SCHEMA).of(Payment.class).deserializer();
        assertTrue(assertThrows(SerializationException.class, () -> d.deserialize(new byte[] {1, 0, 0, 0, 1}, CONSUME))
                .getMessage().contains("magic byte 0x01"));
        assertTrue(assertThrows(SerializationException.class, () -> d.deserialize(golden(77, "{}"), CONSUME))
                .getMessage().contains("unknown schema id 77"));
        int id = registry.register("payments-value", PAYMENT_SCHEMA, "JSON");
        SerializationException notJson = assertThrows(SerializationException.class, () -> d.deserialize(golden(id, "{\"id\":"), CONSUME));
        assertTrue(notJson.getMessage().contains("not JSON of type"), notJson.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JsonSchemaSerde.builder(registry).of(JsonNode.class),
                "a tree has no class to take a schema from");
        assertThrows(IllegalArgumentException.class, () -> JsonSchemaSerde.builder(registry).schema("{\"type\":\"object\"}")
                .subjectNameStrategy(SubjectNameStrategy.RECORD_NAME).of(JsonNode.class), "no title, no record name");
        assertEquals(null, d.deserialize((byte[]) null, CONSUME));
    }
}
