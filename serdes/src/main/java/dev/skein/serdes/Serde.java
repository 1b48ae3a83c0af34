package dev.skein.serdes;

/**
 * A serializer and a deserializer for one type, so both ends of a topic can be configured at once.
 *
 * @param <T> the value type
 */
public interface Serde<T> {
    Serializer<T> serializer();

    Deserializer<T> deserializer();

    static <T> Serde<T> of(Serializer<T> serializer, Deserializer<T> deserializer) {
        return new Serde<>() {
            @Override
            public Serializer<T> serializer() {
                return serializer;
            }

            @Override
            public Deserializer<T> deserializer() {
                return deserializer;
            }
        };
    }
}
