package dev.skein.serdes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * JSON with Jackson (an optional dependency: add {@code jackson-databind} to use this class).
 *
 * <pre>{@code
 * Serde<Order> orders = JsonSerde.of(Order.class);
 * Serde<List<Order>> batches = JsonSerde.of(new TypeReference<List<Order>>() {});
 * Serde<Order> custom = JsonSerde.of(Order.class, myMapper);
 * }</pre>
 *
 * Null values serialize to null and null bytes deserialize to null. Bytes that are not JSON of the
 * expected type raise {@link SerializationException}. Thread-safe as long as the mapper is not
 * reconfigured after use.
 */
// Jackson types appear in this API although the module requires Jackson only statically (optional)
@SuppressWarnings("exports")
public final class JsonSerde<T> implements Serde<T> {
    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();

    private final ObjectMapper mapper;
    private final JavaType type;

    private JsonSerde(ObjectMapper mapper, JavaType type) {
        this.mapper = mapper;
        this.type = type;
    }

    public static <T> JsonSerde<T> of(Class<T> type) {
        return of(type, DEFAULT_MAPPER);
    }

    public static <T> JsonSerde<T> of(Class<T> type, ObjectMapper mapper) {
        return new JsonSerde<>(mapper, mapper.constructType(type));
    }

    /** For generic types: {@code JsonSerde.of(new TypeReference<Map<String, List<Long>>>() {})}. */
    public static <T> JsonSerde<T> of(TypeReference<T> type) {
        return of(type, DEFAULT_MAPPER);
    }

    public static <T> JsonSerde<T> of(TypeReference<T> type, ObjectMapper mapper) {
        return new JsonSerde<>(mapper, mapper.constructType(type));
    }

    @Override
    public Serializer<T> serializer() {
        return (value, ctx) -> {
            if (value == null) {
                return null;
            }
            try {
                return mapper.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + value.getClass().getName() + " as JSON: "
                        + reason(e), ctx, null, e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return new Deserializer<>() {
            @Override
            public T deserialize(byte[] data, SerdeContext ctx) {
                return data == null ? null : read(data, 0, data.length, ctx);
            }

            @Override
            public T deserialize(ByteBuffer data, SerdeContext ctx) {
                if (data == null) {
                    return null;
                }
                if (data.hasArray()) {
                    return read(data.array(), data.arrayOffset() + data.position(), data.remaining(), ctx);
                }
                return Deserializer.super.deserialize(data, ctx);
            }
        };
    }

    private T read(byte[] data, int offset, int length, SerdeContext ctx) {
        try {
            return mapper.readValue(data, offset, length, type);
        } catch (IOException e) {
            byte[] copy = Arrays.copyOfRange(data, offset, offset + length);
            throw new SerializationException("not JSON of type " + type + ": " + reason(e), ctx, copy, e);
        }
    }

    private static String reason(IOException e) {
        return e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    }
}
