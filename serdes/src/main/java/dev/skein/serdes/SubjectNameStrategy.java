package dev.skein.serdes;

import org.apache.avro.Schema;

/** How an Avro serializer names the registry subject for a record. */
// Avro types appear in this API although the module requires Avro only statically (optional)
@SuppressWarnings("exports")
public enum SubjectNameStrategy {
    /** {@code <topic>-key} or {@code <topic>-value}: one schema lineage per topic (the default). */
    TOPIC_NAME,
    /** The record's full name: one lineage per record type, shared across topics. */
    RECORD_NAME,
    /** {@code <topic>-<record full name>}: several record types per topic, each with its own lineage. */
    TOPIC_RECORD_NAME;

    public String subject(String topic, boolean isKey, Schema schema) {
        return switch (this) {
            case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
            case RECORD_NAME -> schema.getFullName();
            case TOPIC_RECORD_NAME -> topic + "-" + schema.getFullName();
        };
    }
}
