package dev.skein.producer.internal;

/** A partition of a topic. */
record TopicPartition(String topic, int partition) {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
