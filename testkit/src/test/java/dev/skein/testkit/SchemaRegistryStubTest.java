package dev.skein.testkit;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SchemaRegistryStubTest {
    @Test
    void jsonStringsSurviveTheRoundTrip() {
        String schema = "{\"type\":\"record\",\"name\":\"P\",\"doc\":\"tab\\there \\\\ \u00e9\",\"fields\":[]}";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaType", "AVRO");
        m.put("schema", schema);
        m.put("id", 7);
        String json = SchemaRegistryStub.json(m);
        assertEquals(schema, SchemaRegistryStub.stringField(json, "schema"));
        assertEquals("AVRO", SchemaRegistryStub.stringField(json, "schemaType"));
        assertEquals("x\"y", SchemaRegistryStub.stringField("{\"schema\" : \"x\\u0022y\"}", "schema"));
    }
}
