package dev.skein.serdes;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.skein.serdes.internal.ProtoParser;
import dev.skein.testkit.SchemaRegistryStub;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With use-latest-version the bytes are written for the subject's latest schema, which may differ from
 * the record's own: they must say what a reader of that schema will read, or fail, never mislabel.
 */
class UseLatestVersionTest {
    static final SerdeContext PRODUCE = SerdeContext.forProducer("people", SerdeContext.Target.VALUE, new ArrayList<>());
    static final SerdeContext CONSUME = SerdeContext.forConsumer("people", SerdeContext.Target.VALUE, List.of(), 0, 1L);

    SchemaRegistryStub stub;

    @BeforeEach
    void start() throws Exception {
        stub = new SchemaRegistryStub();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    SchemaRegistryClient client() {
        return SchemaRegistryClient.builder().url(stub.url()).build();
    }

    static Schema avro(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Person\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }

    static final String FIRST = "{\"name\":\"first\",\"type\":\"string\"}";
    static final String LAST = "{\"name\":\"last\",\"type\":\"string\"}";

    GenericRecord written(Schema own, Schema latest, String first, String last) {
        client().register("people-value", latest.toString());
        GenericRecord r = new GenericData.Record(own);
        r.put("first", first);
        r.put("last", last);
        byte[] bytes = AvroSerde.builder(client()).autoRegister(false).useLatestVersion(true).generic().serializer()
                .serialize(r, PRODUCE);
        return AvroSerde.builder(client()).generic().deserializer().deserialize(bytes, CONSUME);
    }

    @Test
    void avroFieldsAreWrittenByNameWhenTheLatestSchemaOrdersThemOtherwise() {
        GenericRecord read = written(avro(FIRST + "," + LAST), avro(LAST + "," + FIRST), "Ann", "Lee");
        assertEquals("Ann", read.get("first").toString());
        assertEquals("Lee", read.get("last").toString());
    }

    @Test
    void avroFieldsTheRecordLacksTakeTheLatestSchemasDefaults() {
        Schema latest = avro(FIRST + "," + LAST + ",{\"name\":\"age\",\"type\":\"int\",\"default\":-1}");
        GenericRecord read = written(avro(FIRST + "," + LAST), latest, "Ann", "Lee");
        assertEquals("Lee", read.get("last").toString());
        assertEquals(-1, read.get("age"));
    }

    @Test
    void avroRecordsTheLatestSchemaCannotTakeAreRefusedSayingWhy() {
        Schema latest = avro(FIRST + "," + LAST + ",{\"name\":\"age\",\"type\":\"int\"}");
        SerializationException e = assertThrows(SerializationException.class,
                () -> written(avro(FIRST + "," + LAST), latest, "Ann", "Lee"));
        assertTrue(e.getMessage().contains("topic people value") && e.getMessage().contains("age"), e.getMessage());
    }

    static final String TWO_MESSAGES = """
            syntax = "proto3";
            package t;
            message First { string a = 1; }
            message Second { string b = 1; }
            """;
    static final String SWAPPED = """
            syntax = "proto3";
            package t;
            message Second { string b = 1; }
            message First { string a = 1; }
            """;

    @Test
    void protobufMessageIndexesLocateTheTypeInTheLatestSchemaNotInTheLocalFile() throws Exception {
        client().register("people-value", SWAPPED, "PROTOBUF");
        FileDescriptor local = FileDescriptor.buildFrom(ProtoParser.parse("t.proto", TWO_MESSAGES), new FileDescriptor[0]);
        Descriptor second = local.findMessageTypeByName("Second");
        Message m = DynamicMessage.newBuilder(second).setField(second.findFieldByName("b"), "bee").build();
        byte[] bytes = ProtobufSerde.builder(client()).autoRegister(false).useLatestVersion(true).dynamic().serializer()
                .serialize(m, PRODUCE);
        assertEquals(0, bytes[5], "Second is message 0 of the latest schema: [0], the single byte 0");
        Message read = ProtobufSerde.builder(client()).dynamic().deserializer().deserialize(bytes, CONSUME);
        assertEquals("t.Second", read.getDescriptorForType().getFullName());
    }

    @Test
    void protobufMessagesTheLatestSchemaDoesNotDefineAreRefused() throws Exception {
        client().register("people-value", "syntax = \"proto3\";\npackage t;\nmessage First { string a = 1; }\n", "PROTOBUF");
        FileDescriptor local = FileDescriptor.buildFrom(ProtoParser.parse("t.proto", TWO_MESSAGES), new FileDescriptor[0]);
        Message m = DynamicMessage.newBuilder(local.findMessageTypeByName("Second")).build();
        SerializationException e = assertThrows(SerializationException.class, () -> ProtobufSerde.builder(client())
                .autoRegister(false).useLatestVersion(true).dynamic().serializer().serialize(m, PRODUCE));
        assertTrue(e.getMessage().contains("t.Second"), e.getMessage());
    }
}
