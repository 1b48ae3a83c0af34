package dev.skein.serdes;

import org.apache.kafka.common.serialization.BooleanSerializer;
import org.apache.kafka.common.serialization.ByteBufferSerializer;
import org.apache.kafka.common.serialization.DoubleSerializer;
import org.apache.kafka.common.serialization.FloatSerializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.ListDeserializer;
import org.apache.kafka.common.serialization.ListSerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.ShortSerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every built-in writes the same bytes as Apache Kafka's serializer for the type, and reads them back. */
class SerdesTest {
    private static final SerdeContext CTX = SerdeContext.forProducer("t", SerdeContext.Target.VALUE, new ArrayList<>());

    @Test
    void numbersMatchTheReferenceBytes() {
        for (short v : new short[] {0, 1, -1, Short.MIN_VALUE, Short.MAX_VALUE}) {
            same(new ShortSerializer().serialize("t", v), Serdes.shortSerde(), v);
        }
        for (int v : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 123456789}) {
            same(new IntegerSerializer().serialize("t", v), Serdes.integer(), v);
        }
        for (long v : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40}) {
            same(new LongSerializer().serialize("t", v), Serdes.longSerde(), v);
        }
        for (float v : new float[] {0f, -0f, 1.5f, Float.NaN, Float.NEGATIVE_INFINITY, Float.MIN_VALUE}) {
            same(new FloatSerializer().serialize("t", v), Serdes.floatSerde(), v);
        }
        for (double v : new double[] {0d, -0d, Math.PI, Double.NaN, Double.MAX_VALUE}) {
            same(new DoubleSerializer().serialize("t", v), Serdes.doubleSerde(), v);
        }
        same(new BooleanSerializer().serialize("t", true), Serdes.bool(), true);
        same(new BooleanSerializer().serialize("t", false), Serdes.bool(), false);
    }

    @Test
    void stringsUuidsAndBuffersMatchTheReferenceBytes() {
        for (String s : new String[] {"", "orders", "ünïcødé 漢字 🎉"}) {
            same(new StringSerializer().serialize("t", s), Serdes.string(), s);
        }
        StringSerializer latin1 = new StringSerializer();
        latin1.configure(Map.of("serializer.encoding", "ISO-8859-1"), false);
        same(latin1.serialize("t", "café"), Serdes.string(StandardCharsets.ISO_8859_1), "café");
        UUID u = UUID.randomUUID();
        same(new UUIDSerializer().serialize("t", u), Serdes.uuid(), u);
        byte[] raw = {9, 8, 7};
        assertArrayEquals(raw, Serdes.bytes().serializer().serialize(raw, CTX));
        ByteBuffer wrapped = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
        assertArrayEquals(new ByteBufferSerializer().serialize("t", wrapped.duplicate()),
                Serdes.byteBuffer().serializer().serialize(wrapped, CTX));
        assertEquals(0, wrapped.position(), "the caller's buffer is untouched");
    }

    @Test
    void listsUseKafkasLayoutForFixedAndVariableSizeElements() {
        List<Integer> ints = Arrays.asList(1, null, 3, Integer.MIN_VALUE);
        same(new ListSerializer<>(new IntegerSerializer()).serialize("t", ints), Serdes.listOf(Serdes.integer()), ints);
        List<String> strings = Arrays.asList("a", null, "", "bc");
        byte[] ref = new ListSerializer<>(new StringSerializer()).serialize("t", strings);
        same(ref, Serdes.listOf(Serdes.string()), strings);
        assertEquals(strings, new ListDeserializer<>(ArrayList.class, new StringDeserializer()).deserialize("t",
                Serdes.listOf(Serdes.string()).serializer().serialize(strings, CTX)), "the reference reads ours");
        List<UUID> uuids = List.of(UUID.randomUUID(), UUID.randomUUID());
        same(new ListSerializer<>(new UUIDSerializer()).serialize("t", uuids), Serdes.listOf(Serdes.uuid()), uuids);
    }

    @Test
    void nullsPassThroughEveryBuiltIn() {
        for (Serde<?> s : List.of(Serdes.string(), Serdes.bytes(), Serdes.byteBuffer(), Serdes.shortSerde(),
                Serdes.integer(), Serdes.longSerde(), Serdes.floatSerde(), Serdes.doubleSerde(), Serdes.bool(),
                Serdes.uuid(), Serdes.voidSerde(), Serdes.listOf(Serdes.integer()))) {
            @SuppressWarnings("unchecked")
            Serde<Object> o = (Serde<Object>) s;
            assertNull(o.serializer().serialize(null, CTX));
            assertNull(o.deserializer().deserialize((byte[]) null, CTX));
            assertNull(o.deserializer().deserialize((ByteBuffer) null, CTX));
        }
    }

    @Test
    void malformedPayloadsRaiseSerializationErrorsWithContextAndBytes() {
        SerdeContext consumer = SerdeContext.forConsumer("orders", SerdeContext.Target.KEY, List.of(), 3, 42L);
        SerializationException e = assertThrows(SerializationException.class,
                () -> Serdes.integer().deserializer().deserialize(new byte[3], consumer));
        assertTrue(e.getMessage().startsWith("orders-3 offset 42 key: int payload must be 4 bytes"), e.getMessage());
        assertArrayEquals(new byte[3], e.data());
        assertEquals(42L, e.context().offset());
        assertThrows(SerializationException.class, () -> Serdes.bool().deserializer().deserialize(new byte[] {7}, consumer));
        assertThrows(SerializationException.class,
                () -> Serdes.uuid().deserializer().deserialize(new byte[36], consumer));
        assertThrows(SerializationException.class,
                () -> Serdes.voidSerde().deserializer().deserialize(new byte[1], consumer));
        assertThrows(SerializationException.class,
                () -> Serdes.listOf(Serdes.string()).deserializer().deserialize(new byte[] {1, 0, 0, 0, 5, 0}, consumer));
        assertThrows(SerializationException.class,
                () -> Serdes.listOf(Serdes.integer()).deserializer().deserialize(new byte[] {0, 127, 0, 0, 0}, consumer));
    }

    @Test
    void deserializersReadASliceOfALargerBufferInPlace() {
        ByteBuffer big = ByteBuffer.allocateDirect(16);
        big.putInt(0xCAFE).putInt(7).putInt(0xBEEF);
        big.position(4).limit(8);
        assertEquals(7, Serdes.integer().deserializer().deserialize(big, CTX));
        ByteBuffer text = ByteBuffer.wrap("xxhello".getBytes(StandardCharsets.UTF_8), 2, 5).slice();
        assertEquals("hello", Serdes.string().deserializer().deserialize(text, CTX));
    }

    private static <T> void same(byte[] reference, Serde<T> serde, T value) {
        byte[] ours = serde.serializer().serialize(value, CTX);
        assertArrayEquals(reference, ours, "bytes of " + value);
        assertEquals(value, serde.deserializer().deserialize(ours, CTX));
        assertEquals(value, serde.deserializer().deserialize(ByteBuffer.wrap(ours), CTX));
    }
}
