/**
 * Serializers and deserializers: the primitive serdes, JSON (Jackson) and Avro with the Schema
 * Registry wire format. Jackson and Avro are optional: a serde that needs one fails clearly when it is
 * missing (an application using them requires their modules itself).
 */
@SuppressWarnings({"module", "requires-automatic"})
module dev.skein.serdes {
    requires transitive dev.skein.core;
    requires java.net.http;
    requires static com.fasterxml.jackson.databind;
    requires static org.apache.avro;

    exports dev.skein.serdes;
    exports dev.skein.serdes.internal to dev.skein.producer, dev.skein.consumer;
}
