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

    /**
     * The strategy a configuration names: this enum's names, or the class names Confluent's serializers
     * take ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}, {@code RecordNameStrategy},
     * {@code TopicRecordNameStrategy}).
     *
     * @throws dev.skein.core.errors.ConfigException naming {@code key} for anything else
     */
    public static SubjectNameStrategy of(String key, Object value) {
        String v = value instanceof SubjectNameStrategy s ? s.name() : String.valueOf(value).trim();
        String simple = v.substring(v.lastIndexOf('.') + 1);
        return switch (simple) {
            case "TOPIC_NAME", "TopicNameStrategy" -> TOPIC_NAME;
            case "RECORD_NAME", "RecordNameStrategy" -> RECORD_NAME;
            case "TOPIC_RECORD_NAME", "TopicRecordNameStrategy" -> TOPIC_RECORD_NAME;
            default -> throw new dev.skein.core.errors.ConfigException(key, "must be TopicNameStrategy, RecordNameStrategy"
                    + " or TopicRecordNameStrategy (or TOPIC_NAME, RECORD_NAME, TOPIC_RECORD_NAME), was " + value);
        };
    }

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
