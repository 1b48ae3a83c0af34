package dev.skein.serdes;

import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Field;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.skein.serdes.internal.ProtoParser;
import dev.skein.serdes.internal.ProtoSchemas;
import dev.skein.testkit.SchemaRegistryStub;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.skein.serdes.SchemaRegistryClientTest.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProtobufSerdeTest {
    static final String MONEY = """
            syntax = "proto3";
            package skein.common;
            // amounts in minor units
            message Money { int64 cents = 1; string currency = 2; }
            """;
    static final String ORDERS = """
            syntax = "proto3";
            package skein.orders;
            import "common/money.proto";
            import "google/protobuf/timestamp.proto";
            option java_package = "dev.skein.test";

            message Order {
              string id = 1;
              skein.common.Money total = 2;
              google.protobuf.Timestamp at = 3;
              repeated Line lines = 4;
              map<string, int32> tags = 5;
              oneof payment { string card = 6; string iban = 7; }
              optional int32 priority = 8;
              Status status = 9;
              /* nested */
              message Line { string sku = 1; int32 qty = 2; }
              enum Status { NEW = 0; PAID = 1; reserved 5 to 9; }
              reserved 20, 30 to max;
              reserved "old";
            }
            message Refund { string order_id = 1; }
            """;
    static final SerdeContext PRODUCE = SerdeContext.forProducer("orders", SerdeContext.Target.VALUE, new ArrayList<>());
    static final SerdeContext CONSUME = SerdeContext.forConsumer("orders", SerdeContext.Target.VALUE, List.of(), 1, 9L);

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

    static FileDescriptor orders() throws Exception {
        FileDescriptor money = FileDescriptor.buildFrom(ProtoParser.parse("common/money.proto", MONEY), new FileDescriptor[0]);
        return FileDescriptor.buildFrom(ProtoParser.parse("orders.proto", ORDERS),
                new FileDescriptor[] {money, Timestamp.getDescriptor().getFile()});
    }

    static Message order(FileDescriptor file) {
        Descriptor order = file.findMessageTypeByName("Order");
        Descriptor line = order.findNestedTypeByName("Line");
        Descriptor money = file.getDependencies().get(0).findMessageTypeByName("Money");
        return DynamicMessage.newBuilder(order)
                .setField(order.findFieldByName("id"), "o-1")
                .setField(order.findFieldByName("total"), DynamicMessage.newBuilder(money)
                        .setField(money.findFieldByName("cents"), 1250L).setField(money.findFieldByName("currency"), "EUR").build())
                .setField(order.findFieldByName("at"), Timestamp.newBuilder().setSeconds(1_700_000_000L).build())
                .addRepeatedField(order.findFieldByName("lines"), DynamicMessage.newBuilder(line)
                        .setField(line.findFieldByName("sku"), "s-9").setField(line.findFieldByName("qty"), 2).build())
                .setField(order.findFieldByName("iban"), "DE00")
                .setField(order.findFieldByName("priority"), 0)
                .setField(order.findFieldByName("status"), order.findEnumTypeByName("Status").findValueByName("PAID"))
                .build();
    }

    /** The documented Confluent Protobuf framing: magic 0, 4-byte big-endian id, message indexes, payload. */
    static byte[] golden(int id, String indexesHex, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
        out.writeBytes(HexFormat.of().parseHex(indexesHex));
        out.writeBytes(payload);
        return out.toByteArray();
    }

    @Test
    void specificMessagesMatchConfluentsBytesForTheFirstMessage() {
        ProtobufSerde<Timestamp> serde = ProtobufSerde.builder(client()).specific(Timestamp.class);
        Timestamp ts = Timestamp.newBuilder().setSeconds(1).setNanos(2).build();
        // [0] is written as the single byte 0; the payload is the plain Protobuf binary 08 01 10 02
        byte[] confluent = golden(1, "00", HexFormat.of().parseHex("08011002"));
        assertArrayEquals(confluent, serde.serializer().serialize(ts, PRODUCE));
        assertEquals(ts, serde.deserializer().deserialize(confluent, CONSUME));
        // a writer that spells [0] out in full (count 1, index 0) is read too
        assertEquals(ts, serde.deserializer().deserialize(golden(1, "0200", ts.toByteArray()), CONSUME));
    }

    @Test
    void messageIndexesOfLaterAndNestedMessagesAreZigZagVarints() {
        ProtobufSerde<Field> fields = ProtobufSerde.builder(client()).specific(Field.class);
        Field f = Field.newBuilder().setNumber(3).setName("f").build();
        byte[] confluent = golden(1, "0202", HexFormat.of().parseHex("1803220166")); // [1]: count 1, index 1
        assertArrayEquals(confluent, fields.serializer().serialize(f, PRODUCE));
        assertEquals(f, fields.deserializer().deserialize(confluent, CONSUME));
        Message dynamic = ProtobufSerde.builder(client()).dynamic().deserializer().deserialize(confluent, CONSUME);
        assertEquals("google.protobuf.Field", dynamic.getDescriptorForType().getFullName());
        assertEquals(f.toString(), dynamic.toString());

        // DescriptorProto is message 2 of descriptor.proto, ExtensionRange its nested message 0: [2, 0]
        var range = DescriptorProtos.DescriptorProto.ExtensionRange.newBuilder().setStart(5).setEnd(9).build();
        byte[] nested = ProtobufSerde.builder(client()).specific(DescriptorProtos.DescriptorProto.ExtensionRange.class)
                .serializer().serialize(range, PRODUCE);
        assertArrayEquals(golden(2, "040400", range.toByteArray()), nested);
        assertEquals(range.toString(), ProtobufSerde.builder(client()).dynamic().deserializer().deserialize(nested, CONSUME).toString());
    }

    @Test
    void importsAreRegisteredAsReferencesAndDynamicReadersResolveThem() throws Exception {
        FileDescriptor file = orders();
        Message order = order(file);
        SchemaRegistryClient writer = client();
        byte[] bytes = ProtobufSerde.builder(writer).dynamic().serializer().serialize(order, PRODUCE);
        assertEquals("00", HexFormat.of().formatHex(bytes, 5, 6), "Order is the file's first message");

        RegisteredSchema registered = writer.latest("orders-value");
        assertEquals("PROTOBUF", registered.schemaType());
        assertEquals(List.of(new SchemaReference("common/money.proto", "common/money.proto", 1)), registered.references(),
                "the well-known timestamp.proto is not registered");
        assertTrue(registered.schema().contains("import \"common/money.proto\";"), registered.schema());
        assertTrue(writer.latest("common/money.proto").schema().contains("message Money"));

        Message read = ProtobufSerde.builder(client()).dynamic().deserializer().deserialize(bytes, CONSUME);
        assertEquals(order.toString(), read.toString(), "a fresh reader rebuilds Order from the registry");
        assertEquals("skein.orders.Order", read.getDescriptorForType().getFullName());

        Descriptor line = file.findMessageTypeByName("Order").findNestedTypeByName("Line");
        Message l = DynamicMessage.newBuilder(line).setField(line.findFieldByName("qty"), 4).build();
        byte[] lineBytes = ProtobufSerde.builder(writer).dynamic().serializer().serialize(l, PRODUCE);
        assertEquals("040000", HexFormat.of().formatHex(lineBytes, 5, 8), "Order.Line is [0, 0]");
        assertEquals(l.toString(), ProtobufSerde.builder(client()).dynamic().deserializer().deserialize(lineBytes, CONSUME).toString());
    }

    @Test
    void thePrintedSchemaParsesBackToTheSameDescriptor() throws Exception {
        for (FileDescriptor f : List.of(orders(), Timestamp.getDescriptor().getFile(), Field.getDescriptor().getFile(),
                DescriptorProtos.getDescriptor(), com.google.protobuf.Struct.getDescriptor().getFile())) {
            String text = dev.skein.serdes.internal.ProtoPrinter.print(f);
            FileDescriptor back = FileDescriptor.buildFrom(ProtoParser.parse(f.getName(), text),
                    f.getDependencies().toArray(new FileDescriptor[0]));
            assertEquals(text, dev.skein.serdes.internal.ProtoPrinter.print(back), f.getName());
            assertEquals(shape(f), shape(back), f.getName());
        }
    }

    @Test
    void unreadableSchemasNameTheLineAndMissingReferencesTheImport() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ProtoParser.parse("x.proto",
                "syntax = \"proto3\";\n// a comment\nmessage M { string id = ; }\n"));
        assertTrue(bad.getMessage().contains("line 3"), bad.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ProtoParser.parse("x.proto", "edition = \"2023\";"))
                .getMessage().contains("editions are not supported"));
        int id = client().register("orphans-value", "syntax = \"proto3\";\nimport \"gone.proto\";\nmessage O { G g = 1; }\n", "PROTOBUF");
        SerializationException e = assertThrows(SerializationException.class, () -> ProtobufSerde.builder(client()).dynamic()
                .deserializer().deserialize(golden(id, "00", new byte[0]), CONSUME));
        assertTrue(e.getMessage().contains("imports gone.proto but the schema has no reference"), e.getMessage());
    }

    /** Names, numbers, labels, types and oneofs of every field: what decoding depends on. */
    static String shape(FileDescriptor f) {
        StringBuilder b = new StringBuilder();
        for (Descriptor d : f.getMessageTypes()) {
            shape(d, b);
        }
        f.getEnumTypes().forEach(e -> b.append(e.getFullName()).append(e.getValues()).append('\n'));
        return b.toString();
    }

    private static void shape(Descriptor d, StringBuilder b) {
        b.append(d.getFullName()).append(" {\n");
        d.getFields().forEach(x -> b.append("  ").append(x.getName()).append('=').append(x.getNumber()).append(' ')
                .append(x.isRepeated()).append(x.isRequired()).append(x.hasPresence()).append(' ').append(x.getType())
                .append(x.isMapField() ? " map" : "").append(x.isPacked() ? " packed" : "")
                .append(x.getRealContainingOneof() == null ? "" : " oneof " + x.getRealContainingOneof().getName())
                .append(x.hasDefaultValue() ? " default " + x.getDefaultValue() : "")
                .append(x.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE
                        ? " " + x.getMessageType().getFullName() : "").append('\n'));
        d.getNestedTypes().forEach(n -> shape(n, b));
        d.getEnumTypes().forEach(e -> b.append(e.getFullName()).append(e.getValues()).append('\n'));
        b.append("}\n");
    }

    @Test
    void badPayloadsAndTypeMismatchesSayWhatIsWrong() {
        Deserializer<Timestamp> d = ProtobufSerde.builder(client()).specific(Timestamp.class).deserializer();
        assertTrue(assertThrows(SerializationException.class, () -> d.deserialize(golden(42, "00", new byte[0]), CONSUME))
                .getMessage().contains("unknown schema id 42"));
        assertTrue(assertThrows(SerializationException.class, () -> d.deserialize(new byte[] {3, 0, 0, 0, 1, 0}, CONSUME))
                .getMessage().contains("magic byte 0x03"));
        byte[] field = ProtobufSerde.builder(client()).specific(Field.class).serializer()
                .serialize(Field.newBuilder().setName("x").build(), PRODUCE);
        SerializationException mismatch = assertThrows(SerializationException.class, () -> d.deserialize(field, CONSUME));
        assertTrue(mismatch.getMessage().contains("google.protobuf.Field, not the google.protobuf.Timestamp"), mismatch.getMessage());
        byte[] outOfRange = field.clone();
        outOfRange[6] = 40; // index 20
        assertTrue(assertThrows(SerializationException.class, () -> d.deserialize(outOfRange, CONSUME))
                .getMessage().contains("out of range"));
        byte[] truncated = java.util.Arrays.copyOf(field, field.length - 1);
        assertTrue(assertThrows(SerializationException.class, () -> ProtobufSerde.builder(client()).specific(Field.class)
                .deserializer().deserialize(truncated, CONSUME)).getMessage().contains("truncated or malformed"));
        assertThrows(IllegalArgumentException.class, () -> ProtobufSerde.builder(client()).specific(Message.class));
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaIsAClearError() {
        Serializer<Timestamp> s = ProtobufSerde.builder(client()).autoRegister(false).specific(Timestamp.class).serializer();
        SerializationException e = assertThrows(SerializationException.class,
                () -> s.serialize(Timestamp.getDefaultInstance(), PRODUCE));
        assertTrue(e.getMessage().contains("subject orders-value"), e.getMessage());
        assertEquals(1, ProtobufSerde.builder(client()).specific(Timestamp.class).serializer()
                .serialize(Timestamp.getDefaultInstance(), PRODUCE)[4]);
        assertEquals(1, s.serialize(Timestamp.getDefaultInstance(), PRODUCE)[4], "found once registered");
        assertEquals(1, ProtobufSerde.builder(client()).subjectNameStrategy(SubjectNameStrategy.RECORD_NAME)
                .specific(Timestamp.class).serializer().serialize(Timestamp.getDefaultInstance(), PRODUCE)[4]);
        assertTrue(client().subjects().contains("google.protobuf.Timestamp"));
    }

    @Test
    void withoutAutoRegisterImportsAreLookedUpNotRegisteredAndLatestIsUsedWhenAsked() throws Exception {
        Message order = order(orders());
        SerializationException e = assertThrows(SerializationException.class, () -> ProtobufSerde.builder(client())
                .autoRegister(false).dynamic().serializer().serialize(order, PRODUCE));
        assertTrue(e.getMessage().contains("common/money.proto"), e.getMessage());
        assertEquals(List.of(), client().subjects(), "nothing registered");

        byte[] registered = ProtobufSerde.builder(client()).dynamic().serializer().serialize(order, PRODUCE);
        assertArrayEquals(registered, ProtobufSerde.builder(client()).autoRegister(false).dynamic().serializer()
                .serialize(order, PRODUCE), "found once registered");

        byte[] latest = ProtobufSerde.builder(client()).useLatestVersion(true).dynamic().serializer().serialize(order, PRODUCE);
        assertArrayEquals(registered, latest, "the latest is the one registered");
        // a newer latest that does not define the type: its id would mislabel the record (UseLatestVersionTest)
        client().register("orders-value", "syntax = \"proto3\";\nmessage Other { string id = 1; }\n", "PROTOBUF");
        SerializationException other = assertThrows(SerializationException.class, () -> ProtobufSerde.builder(client())
                .useLatestVersion(true).dynamic().serializer().serialize(order, PRODUCE));
        assertTrue(other.getMessage().contains("does not define skein.orders.Order"), other.getMessage());
    }
    @Test
    void aFileImportedAlongTwoPathsIsBuiltOnceAndReferenceCyclesAreRefused() throws Exception {
        SchemaRegistryClient admin = client();
        admin.register("common/money.proto", MONEY, "PROTOBUF");
        SchemaReference money = new SchemaReference("common/money.proto", "common/money.proto", 1);
        admin.register("common/price.proto", "syntax = \"proto3\";\npackage skein.common;\nimport \"common/money.proto\";\n"
                + "message Price { Money amount = 1; }\n", "PROTOBUF", List.of(money));
        SchemaReference price = new SchemaReference("common/price.proto", "common/price.proto", 1);
        int id = admin.register("orders-value", "syntax = \"proto3\";\nimport \"common/money.proto\";\n"
                + "import \"common/price.proto\";\nmessage Quote { skein.common.Money paid = 1; skein.common.Price list = 2; }\n",
                "PROTOBUF", List.of(money, price));
        // Quote{paid: Money{cents 5}, list: Price{amount: Money{cents 7}}}
        byte[] payload = golden(id, "00", HexFormat.of().parseHex("0a0208051204" + "0a020807"));
        Message quote = ProtobufSerde.builder(client()).dynamic().deserializer().deserialize(payload, CONSUME);
        assertEquals("paid {\n  cents: 5\n}\nlist {\n  amount {\n    cents: 7\n  }\n}\n", quote.toString());
        Descriptor viaPrice = quote.getDescriptorForType().findFieldByName("list").getMessageType()
                .findFieldByName("amount").getMessageType();
        assertTrue(viaPrice == quote.getDescriptorForType().findFieldByName("paid").getMessageType(), "one Money");

        WireMockServer wm = new WireMockServer(options().dynamicPort());
        wm.start();
        try {
            wm.stubFor(get(urlEqualTo("/schemas/ids/5")).willReturn(okJson("{\"schemaType\":\"PROTOBUF\",\"schema\":"
                    + quote("syntax = \"proto3\";\nimport \"a.proto\";\nmessage O { A a = 1; }\n")
                    + ",\"references\":[{\"name\":\"a.proto\",\"subject\":\"a\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/a/versions/1")).willReturn(okJson("{\"subject\":\"a\",\"version\":1,"
                    + "\"id\":6,\"schemaType\":\"PROTOBUF\",\"schema\":"
                    + quote("syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { B b = 1; }\n")
                    + ",\"references\":[{\"name\":\"b.proto\",\"subject\":\"b\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/b/versions/1")).willReturn(okJson("{\"subject\":\"b\",\"version\":1,"
                    + "\"id\":7,\"schemaType\":\"PROTOBUF\",\"schema\":"
                    + quote("syntax = \"proto3\";\nimport \"a.proto\";\nmessage B { A a = 1; }\n")
                    + ",\"references\":[{\"name\":\"a.proto\",\"subject\":\"a\",\"version\":1}]}")));
            SchemaRegistryClient cyclic = SchemaRegistryClient.builder().url(wm.baseUrl()).build();
            SerializationException e = assertThrows(SerializationException.class, () -> ProtobufSerde.builder(cyclic)
                    .dynamic().deserializer().deserialize(golden(5, "00", new byte[0]), CONSUME));
            assertTrue(e.getMessage().contains("the schema references form a cycle: a version 1 -> b version 1 -> a version 1"),
                    e.getMessage());
        } finally {
            wm.stop();
        }
    }
}
