package dev.skein.serdes;

import org.apache.avro.Schema;

/**
 * How a registry serializer names the subject for a record. The record name is the Avro record's full
 * name, the Protobuf message's full name, or the JSON Schema's {@code title}.
 */
// Avro types appear in this API although the module requires Avro only statically (optional)
@SuppressWarnings("exports")
public enum SubjectNameStrategy {
    /** {@code <topic>-key} or {@code <topic>-value}: one schema lineage per topic (the default). */
    TOPIC_NAME,
    /** The record's full name: one lineage per record type, shared across topics. */
    RECORD_NAME,
    /** {@code <topic>-<record full name>}: several record types per topic, each with its own lineage. */
    TOPIC_RECORD_NAME;

    /** The subject of an Avro record of {@code schema}. */
    public String subject(String topic, boolean isKey, Schema schema) {
        return subject(topic, isKey, this == TOPIC_NAME ? null : schema.getFullName());
    }

    /**
     * The subject for a record whose full name is {@code recordName} (which may be null for
     * {@link #TOPIC_NAME}, and must not be for the others).
     *
     * @throws SerializationException when the strategy needs a record name and there is none
     */
    public String subject(String topic, boolean isKey, String recordName) {
        if (this != TOPIC_NAME && (recordName == null || recordName.isEmpty())) {
            throw new SerializationException(name() + " needs a record name (a JSON Schema needs a \"title\")", null);
        }
        return switch (this) {
            case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
            case RECORD_NAME -> recordName;
            case TOPIC_RECORD_NAME -> topic + "-" + recordName;
        };
    }
}
