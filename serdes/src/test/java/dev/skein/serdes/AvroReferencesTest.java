package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.skein.testkit.SchemaRegistryStub;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.skein.serdes.SchemaRegistryClientTest.quote;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Avro schemas that use types other registered schemas define (Confluent's schema references). */
class AvroReferencesTest {
    static final String ADDRESS = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"skein\","
            + "\"fields\":[{\"name\":\"city\",\"type\":\"string\"}]}";
    static final String COUNTRY = "{\"type\":\"enum\",\"name\":\"Country\",\"namespace\":\"skein\",\"symbols\":[\"NO\",\"SE\"]}";
    /** As Confluent users register it: Address by name only, defined by the reference. */
    static final String USER_BY_REFERENCE = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"skein\",\"fields\":["
            + "{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"home\",\"type\":\"skein.Address\"}]}";
    static final SerdeContext PRODUCE = SerdeContext.forProducer("users", SerdeContext.Target.VALUE, new ArrayList<>());
    static final SerdeContext CONSUME = SerdeContext.forConsumer("users", SerdeContext.Target.VALUE, List.of(), 0, 3L);

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

    /** The record schema an application holds: every type inline, as Avro's own parser gives it. */
    static Schema userSchema() {
        Schema.Parser p = new Schema.Parser();
        p.parse(ADDRESS);
        return p.parse(USER_BY_REFERENCE);
    }

    static GenericRecord user(Schema schema, String name, String city) {
        GenericRecord home = new GenericData.Record(schema.getField("home").schema());
        home.put("city", city);
        GenericRecord u = new GenericData.Record(schema);
        u.put("name", name);
        u.put("home", home);
        return u;
    }

    @Test
    void aRecordWrittenWithAReferenceIsReadByAFreshReaderByteForByteAsConfluentWritesIt() {
        SchemaRegistryClient admin = client();
        admin.register("skein.Address", ADDRESS);
        List<SchemaReference> refs = List.of(new SchemaReference("skein.Address", "skein.Address",
                admin.latest("skein.Address").version()));

        AvroSerde<GenericRecord> writer = AvroSerde.builder(client()).references(refs).generic();
        byte[] bytes = writer.serializer().serialize(user(userSchema(), "ann", "Oslo"), PRODUCE);

        RegisteredSchema registered = admin.latest("users-value");
        assertEquals(refs, registered.references(), "registered with the reference");
        assertFalse(registered.schema().contains("city"), "Address by name, not inline: " + registered.schema());
        Schema.Parser withAddress = new Schema.Parser();
        withAddress.parse(ADDRESS);
        assertEquals(userSchema(), withAddress.parse(registered.schema()), "with the reference it is the record's schema");

        // The documented framing, then Avro binary: "ann" (zig-zag length 3 = 0x06) and Address{"Oslo"} (0x08).
        int id = registered.id();
        byte[] confluent = {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id,
                0x06, 'a', 'n', 'n', 0x08, 'O', 's', 'l', 'o'};
        assertArrayEquals(confluent, bytes);
        GenericRecord read = AvroSerde.builder(client()).generic().deserializer().deserialize(confluent, CONSUME);
        assertEquals("ann", read.get("name").toString());
        assertEquals("Oslo", ((GenericRecord) read.get("home")).get("city").toString());
        assertEquals("skein.Address", read.getSchema().getField("home").schema().getFullName());

        // Pre-registered with the reference, as Confluent's docs have it: found without registering again,
        // and written with the subject's latest schema.
        AvroSerde<GenericRecord> lookup = AvroSerde.builder(client()).references(refs).autoRegister(false).generic();
        assertArrayEquals(confluent, lookup.serializer().serialize(user(userSchema(), "ann", "Oslo"), PRODUCE));
        AvroSerde<GenericRecord> latest = AvroSerde.builder(client()).useLatestVersion(true).generic();
        assertArrayEquals(confluent, latest.serializer().serialize(user(userSchema(), "ann", "Oslo"), PRODUCE));
        assertEquals(List.of(1), admin.versions("users-value"), "one version under the subject");
    }

    @Test
    void referencesOfReferencesAndDiamondsResolveEachTypeOnce() {
        SchemaRegistryClient admin = client();
        admin.register("skein.Country", COUNTRY);
        SchemaReference country = new SchemaReference("skein.Country", "skein.Country", 1);
        String addressWithCountry = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"skein\",\"fields\":["
                + "{\"name\":\"city\",\"type\":\"string\"},{\"name\":\"country\",\"type\":\"skein.Country\"}]}";
        admin.register("skein.Address", addressWithCountry, "AVRO", List.of(country));
        SchemaReference address = new SchemaReference("skein.Address", "skein.Address", 1);
        // User uses Address (which uses Country) and Country itself: Country is reached twice. Names are
        // relative to the namespace, as Avro prints them: the stub matches schema text exactly, where the
        // real registry compares parsed schemas.
        String user = "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"skein\",\"fields\":["
                + "{\"name\":\"home\",\"type\":\"Address\"},{\"name\":\"born\",\"type\":\"Country\"}]}";
        int id = admin.register("users-value", user, "AVRO", List.of(address, country));

        byte[] payload = {0, 0, 0, 0, (byte) id, 0x08, 'O', 's', 'l', 'o', 0x00, 0x02}; // Oslo, NO; born SE
        GenericRecord read = AvroSerde.builder(client()).generic().deserializer().deserialize(payload, CONSUME);
        GenericRecord home = (GenericRecord) read.get("home");
        assertEquals("Oslo", home.get("city").toString());
        assertEquals("NO", home.get("country").toString());
        assertEquals("SE", read.get("born").toString());

        // Written back through the same references: the same bytes, the same id.
        AvroSerde<GenericRecord> writer = AvroSerde.builder(client()).references(List.of(address, country)).generic();
        assertArrayEquals(payload, writer.serializer().serialize(read, PRODUCE));
    }

    @Test
    void referencesThatAreMissingCyclicOrNotAvroAreTypedErrorsAndTheSerdeKeepsWorking() {
        WireMockServer wm = new WireMockServer(options().dynamicPort());
        wm.start();
        try {
            String address = quote(ADDRESS);
            wm.stubFor(get(urlEqualTo("/schemas/ids/1")).willReturn(okJson("{\"schema\":" + quote(USER_BY_REFERENCE)
                    + ",\"references\":[{\"name\":\"skein.Address\",\"subject\":\"gone\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/gone/versions/1")).willReturn(aResponse().withStatus(404)
                    .withBody("{\"error_code\":40401,\"message\":\"Subject 'gone' not found.\"}")));
            wm.stubFor(get(urlEqualTo("/schemas/ids/2")).willReturn(okJson("{\"schema\":" + quote(USER_BY_REFERENCE)
                    + ",\"references\":[{\"name\":\"skein.Address\",\"subject\":\"a\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/a/versions/1")).willReturn(okJson("{\"subject\":\"a\",\"version\":1,\"id\":7,"
                    + "\"schema\":" + address + ",\"references\":[{\"name\":\"skein.B\",\"subject\":\"b\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/b/versions/1")).willReturn(okJson("{\"subject\":\"b\",\"version\":1,\"id\":8,"
                    + "\"schema\":" + address + ",\"references\":[{\"name\":\"skein.Address\",\"subject\":\"a\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/schemas/ids/3")).willReturn(okJson("{\"schema\":" + quote(USER_BY_REFERENCE)
                    + ",\"references\":[{\"name\":\"skein.Address\",\"subject\":\"proto\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/proto/versions/1")).willReturn(okJson("{\"subject\":\"proto\",\"version\":1,"
                    + "\"id\":9,\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\"}")));
            wm.stubFor(get(urlEqualTo("/schemas/ids/4")).willReturn(okJson("{\"schema\":" + quote(USER_BY_REFERENCE) + "}")));
            wm.stubFor(get(urlEqualTo("/schemas/ids/5")).willReturn(okJson("{\"schema\":" + quote(USER_BY_REFERENCE)
                    + ",\"references\":[{\"name\":\"skein.Address\",\"subject\":\"address\",\"version\":1}]}")));
            wm.stubFor(get(urlEqualTo("/subjects/address/versions/1")).willReturn(okJson(
                    "{\"subject\":\"address\",\"version\":1,\"id\":6,\"schema\":" + address + "}")));

            SchemaRegistryClient registry = SchemaRegistryClient.builder().url(wm.baseUrl())
                    .retries(0, Duration.ZERO).timeout(Duration.ofSeconds(2)).build();
            Deserializer<GenericRecord> d = AvroSerde.builder(registry).generic().deserializer();
            byte[] body = {0x06, 'a', 'n', 'n', 0x08, 'O', 's', 'l', 'o'};

            assertError(d, 1, body, "cannot fetch the references", "gone");
            assertError(d, 2, body, "the schema references form a cycle", "a version 1 -> b version 1 -> a version 1");
            assertError(d, 3, body, "is a PROTOBUF schema, not Avro", "skein.Address");
            assertError(d, 4, body, "is not a valid Avro schema", "skein.Address");

            GenericRecord read = d.deserialize(framed(5, body), CONSUME);
            assertEquals("Oslo", ((GenericRecord) read.get("home")).get("city").toString(), "the serde keeps working");

            SerializationException write = assertThrows(SerializationException.class, () -> AvroSerde.builder(registry)
                    .references(List.of(new SchemaReference("skein.Address", "gone", 1))).generic().serializer()
                    .serialize(user(userSchema(), "ann", "Oslo"), PRODUCE));
            assertTrue(write.getMessage().contains("gone") && write.getMessage().contains("topic users value"),
                    write.getMessage());
        } finally {
            wm.stop();
        }
    }

    static void assertError(Deserializer<GenericRecord> d, int id, byte[] body, String... parts) {
        SerializationException e = assertThrows(SerializationException.class, () -> d.deserialize(framed(id, body), CONSUME));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("schema id " + id) && e.getMessage().contains("users-0 offset 3"), e.getMessage());
    }

    static byte[] framed(int id, byte[] body) {
        byte[] out = new byte[5 + body.length];
        out[4] = (byte) id;
        System.arraycopy(body, 0, out, 5, body.length);
        return out;
    }
}
