package dev.skein.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import dev.skein.testkit.SchemaRegistryStub;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * key.subject.name.strategy names the subjects of keys and value.subject.name.strategy those of values,
 * as in Confluent's serdes, however the two are given: one properties map is commonly shared by the
 * key and the value serializer.
 */
class SubjectNamesTest {
    static final SerdeContext KEY = SerdeContext.forProducer("users", SerdeContext.Target.KEY, new ArrayList<>());
    static final SerdeContext VALUE = SerdeContext.forProducer("users", SerdeContext.Target.VALUE, new ArrayList<>());

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

    static Map<String, Object> shared() {
        Map<String, Object> props = new LinkedHashMap<>(); // the value's strategy last, so it cannot win by order
        props.put("key.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicNameStrategy");
        props.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
        return props;
    }

    @Test
    void avroKeysAndValuesEachTakeTheirOwnStrategy() {
        Serializer<GenericRecord> s = AvroSerde.builder(registry).properties(shared()).generic().serializer();
        s.serialize(AvroSerdeTest.user("k"), KEY);
        s.serialize(AvroSerdeTest.user("v"), VALUE);
        assertEquals(List.of("t.User", "users-key"), registry.subjects().stream().sorted().toList());
    }

    @Test
    void protobufKeysAndValuesEachTakeTheirOwnStrategy() {
        Serializer<Timestamp> s = ProtobufSerde.builder(registry).properties(shared()).specific(Timestamp.class).serializer();
        s.serialize(Timestamp.getDefaultInstance(), KEY);
        s.serialize(Timestamp.getDefaultInstance(), VALUE);
        assertEquals(List.of("google.protobuf.Timestamp", "users-key"), registry.subjects().stream().sorted().toList());
    }

    @Test
    void jsonSchemaKeysAndValuesEachTakeTheirOwnStrategy() throws Exception {
        Serializer<JsonNode> s = JsonSchemaSerde.builder(registry).properties(shared())
                .schema("{\"title\":\"t.Doc\",\"type\":\"object\"}").of(JsonNode.class).serializer();
        JsonNode doc = new ObjectMapper().readTree("{}");
        s.serialize(doc, KEY);
        s.serialize(doc, VALUE);
        assertEquals(List.of("t.Doc", "users-key"), registry.subjects().stream().sorted().toList());
    }
}
