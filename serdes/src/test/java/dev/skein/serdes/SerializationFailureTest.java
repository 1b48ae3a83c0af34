package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
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
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A record that failed because the registry could not answer now is not a bad record: its exception
 * says it is retriable, so an application that skips undecodable records does not skip good ones.
 */
class SerializationFailureTest {
    static final SerdeContext PRODUCE = SerdeContext.forProducer("t", SerdeContext.Target.VALUE, new ArrayList<>());
    static final SerdeContext CONSUME = SerdeContext.forConsumer("t", SerdeContext.Target.VALUE, List.of(), 0, 5L);

    WireMockServer wm;

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    SchemaRegistryClient client() {
        return SchemaRegistryClient.builder().url(wm.baseUrl()).retries(0, Duration.ZERO).build();
    }

    @Test
    void aRegistryThatCannotAnswerNowMakesTheFailureRetriable() {
        wm.stubFor(get(urlEqualTo("/schemas/ids/1")).willReturn(aResponse().withStatus(503)
                .withBody("{\"error_code\":50003,\"message\":\"Error while forwarding the request to the leader\"}")));
        SerializationException read = assertThrows(SerializationException.class, () -> AvroSerde.builder(client())
                .generic().deserializer().deserialize(new byte[] {0, 0, 0, 0, 1, 0}, CONSUME));
        assertTrue(read.isRetriable(), read.getMessage());

        GenericRecord r = new GenericData.Record(Schema.createRecord("R", null, "t", false, List.of()));
        SerializationException write = assertThrows(SerializationException.class,
                () -> AvroSerde.builder(client()).generic().serializer().serialize(r, PRODUCE)); // no stub: 404
        assertFalse(write.isRetriable(), write.getMessage());
        SchemaRegistryClient dead = client();
        wm.stop();
        SerializationException down = assertThrows(SerializationException.class,
                () -> AvroSerde.builder(dead).generic().serializer().serialize(r, PRODUCE));
        assertTrue(down.isRetriable(), down.getMessage());
    }

    @Test
    void anIdOfAnotherSchemaTypeIsNamedAsSuch() {
        wm.stubFor(get(urlEqualTo("/schemas/ids/3")).willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson(
                "{\"schemaType\":\"PROTOBUF\",\"schema\":\"syntax = \\\"proto3\\\";\\nmessage M { string a = 1; }\\n\"}")));
        SerializationException avro = assertThrows(SerializationException.class, () -> AvroSerde.builder(client())
                .generic().deserializer().deserialize(new byte[] {0, 0, 0, 0, 3, 0}, CONSUME));
        assertTrue(avro.getMessage().contains("schema id 3 is PROTOBUF, not AVRO"), avro.getMessage());
        SerializationException json = assertThrows(SerializationException.class, () -> JsonSchemaSerde.builder(client())
                .schema("{}").of(com.fasterxml.jackson.databind.JsonNode.class).deserializer()
                .deserialize(new byte[] {0, 0, 0, 0, 3, '{', '}'}, CONSUME));
        assertTrue(json.getMessage().contains("schema id 3 is PROTOBUF, not JSON"), json.getMessage());
    }

    @Test
    void badBytesAndUnknownIdsAreNotRetriable() {
        wm.stubFor(get(urlEqualTo("/schemas/ids/9")).willReturn(aResponse().withStatus(404)
                .withBody("{\"error_code\":40403,\"message\":\"Schema 9 not found\"}")));
        Deserializer<GenericRecord> d = AvroSerde.builder(client()).generic().deserializer();
        assertFalse(assertThrows(SerializationException.class, () -> d.deserialize(new byte[] {1, 0, 0, 0, 9}, CONSUME))
                .isRetriable());
        assertFalse(assertThrows(SerializationException.class, () -> d.deserialize(new byte[] {0, 0, 0, 0, 9, 0}, CONSUME))
                .isRetriable());
    }
}
