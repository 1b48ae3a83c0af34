/**
 * Serializers and deserializers: the primitive serdes, JSON (Jackson), and Avro, Protobuf and JSON
 * Schema with the Schema Registry wire format. Jackson, Avro, protobuf-java and the JSON Schema
 * validator are optional: a serde that needs one fails clearly when it is missing (an application
 * using them requires their modules itself).
 */
@SuppressWarnings({"module", "requires-automatic"})
module dev.skein.serdes {
    requires transitive dev.skein.core;
    requires java.net.http;
    requires static com.fasterxml.jackson.databind;
    requires static org.apache.avro;
    requires static com.google.protobuf;
    requires static com.networknt.schema;

    exports dev.skein.serdes;
    exports dev.skein.serdes.internal to dev.skein.producer, dev.skein.consumer;
}
