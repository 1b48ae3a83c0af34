package dev.skein.serdes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonSerdeTest {
    record Order(String orderId, long amountCents, List<String> items) {}

    private static final SerdeContext CTX = SerdeContext.forConsumer("orders", SerdeContext.Target.VALUE, List.of(), 0, 9L);

    @Test
    void recordsRoundTrip() {
        Serde<Order> serde = JsonSerde.of(Order.class);
        Order o = new Order("o-1", 1999, List.of("book", "pen"));
        byte[] json = serde.serializer().serialize(o, CTX);
        assertEquals("{\"orderId\":\"o-1\",\"amountCents\":1999,\"items\":[\"book\",\"pen\"]}",
                new String(json, StandardCharsets.UTF_8));
        assertEquals(o, serde.deserializer().deserialize(json, CTX));
        assertEquals(o, serde.deserializer().deserialize(ByteBuffer.wrap(json), CTX));
        assertNull(serde.serializer().serialize(null, CTX));
        assertNull(serde.deserializer().deserialize((byte[]) null, CTX));
    }

    @Test
    void genericTypesAndACustomMapper() {
        Serde<Map<String, List<Long>>> serde = JsonSerde.of(new TypeReference<>() {});
        Map<String, List<Long>> v = Map.of("a", List.of(1L, 2L));
        assertEquals(v, serde.deserializer().deserialize(serde.serializer().serialize(v, CTX), CTX));

        ObjectMapper snake = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        byte[] json = JsonSerde.of(Order.class, snake).serializer().serialize(new Order("x", 1, List.of()), CTX);
        assertTrue(new String(json, StandardCharsets.UTF_8).contains("\"order_id\""));
    }

    @Test
    void invalidJsonNamesTheRecord() {
        SerializationException e = assertThrows(SerializationException.class,
                () -> JsonSerde.of(Order.class).deserializer().deserialize("{nope".getBytes(StandardCharsets.UTF_8), CTX));
        assertTrue(e.getMessage().startsWith("orders-0 offset 9 value: not JSON"), e.getMessage());
        assertEquals("{nope", new String(e.data(), StandardCharsets.UTF_8));
    }
}
