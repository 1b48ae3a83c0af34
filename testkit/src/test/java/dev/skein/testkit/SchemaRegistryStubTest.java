package dev.skein.testkit;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SchemaRegistryStubTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void jsonStringsSurviveTheRoundTrip() {
        String schema = "{\"type\":\"record\",\"name\":\"P\",\"doc\":\"tab\\there \\\\ \u00e9\",\"fields\":[]}";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaType", "AVRO");
        m.put("schema", schema);
        m.put("id", 7);
        m.put("references", List.of(Map.of("name", "a.proto")));
        String json = SchemaRegistryStub.json(m);
        assertEquals(schema, SchemaRegistryStub.stringField(json, "schema"));
        assertEquals("AVRO", SchemaRegistryStub.stringField(json, "schemaType"));
        assertEquals("x\"y", SchemaRegistryStub.stringField("{\"schema\" : \"x\\u0022y\"}", "schema"));
        assertEquals(m.get("references").toString(), ((Map<?, ?>) SchemaRegistryStub.Json.parse(json)).get("references").toString());
    }

    @Test
    void protobufAndJsonSchemasWithReferencesAreKeptAndServed() throws Exception {
        try (SchemaRegistryStub stub = new SchemaRegistryStub()) {
            String common = "syntax = \"proto3\";\npackage c;\nmessage Money { int64 cents = 1; }\n";
            assertEquals("{\"id\":1}", call(stub, "POST", "/subjects/common%2Fmoney.proto/versions",
                    "{\"schemaType\":\"PROTOBUF\",\"schema\":" + SchemaRegistryStub.json(common) + "}", 200));
            String order = "syntax = \"proto3\";\nimport \"common/money.proto\";\nmessage Order { c.Money total = 1; }\n";
            String orderBody = "{\"schemaType\":\"PROTOBUF\",\"schema\":" + SchemaRegistryStub.json(order)
                    + ",\"references\":[{\"name\":\"common/money.proto\",\"subject\":\"common/money.proto\",\"version\":1}]}";
            assertEquals("{\"id\":2}", call(stub, "POST", "/subjects/orders-value/versions", orderBody, 200));
            assertEquals("{\"id\":2}", call(stub, "POST", "/subjects/orders-value/versions", orderBody, 200),
                    "the same schema keeps its id");
            String byId = call(stub, "GET", "/schemas/ids/2", null, 200);
            assertEquals("{\"schemaType\":\"PROTOBUF\",\"references\":[{\"name\":\"common/money.proto\","
                    + "\"subject\":\"common/money.proto\",\"version\":1}],\"schema\":" + SchemaRegistryStub.json(order) + "}", byId);
            String found = call(stub, "POST", "/subjects/orders-value", orderBody, 200);
            assertEquals(2L, ((Map<?, ?>) SchemaRegistryStub.Json.parse(found)).get("id"));
            assertEquals(1L, ((Map<?, ?>) SchemaRegistryStub.Json.parse(found)).get("version"));

            String json = "{\"type\":\"object\"}";
            assertEquals("{\"id\":3}", call(stub, "POST", "/subjects/orders-value/versions",
                    "{\"schemaType\":\"JSON\",\"schema\":" + SchemaRegistryStub.json(json) + "}", 200));
            Map<?, ?> latest = (Map<?, ?>) SchemaRegistryStub.Json.parse(call(stub, "GET", "/subjects/orders-value/versions/latest", null, 200));
            assertEquals(List.of(2L, "JSON", json), List.of(latest.get("version"), latest.get("schemaType"), latest.get("schema")));
            assertEquals("[1,2]", call(stub, "GET", "/subjects/orders-value/versions", null, 200));
            assertEquals("[\"common/money.proto\",\"orders-value\"]", call(stub, "GET", "/subjects", null, 200));

            call(stub, "GET", "/subjects/orders-value/versions/3", null, 404);
            call(stub, "POST", "/subjects/x/versions", "{\"schemaType\":\"PROTOBUF\",\"schema\":\"m\",\"references\":"
                    + "[{\"name\":\"n\",\"subject\":\"missing\",\"version\":1}]}", 422);
            call(stub, "POST", "/subjects/x", "{\"schema\":\"{}\"}", 404);
        }
    }

    private static String call(SchemaRegistryStub stub, String method, String path, String body, int status) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stub.url() + path)).timeout(Duration.ofSeconds(10));
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, r.statusCode(), r.body());
        return r.body();
    }
}
