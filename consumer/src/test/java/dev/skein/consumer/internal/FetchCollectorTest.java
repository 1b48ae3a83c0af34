package dev.skein.consumer.internal;

import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serdes;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which deserializers are handed the cursor's copy rather than the buffer view. */
class FetchCollectorTest {
    @Test
    void deserializersKeepingTheDefaultForBuffersReadArrays() {
        assertTrue(FetchCollector.readsArrays(Serdes.bytes().deserializer()), "the built-in byte-array deserializer");
        Deserializer<String> lambda = (data, context) -> data == null ? null : new String(data);
        assertTrue(FetchCollector.readsArrays(lambda), "a lambda, which can only implement the array method");
        assertTrue(FetchCollector.readsArrays(new Deserializer<Integer>() {
            @Override
            public Integer deserialize(byte[] data, SerdeContext context) {
                return data == null ? null : data.length;
            }
        }), "an anonymous class of the array method alone");
    }

    @Test
    void deserializersOfBuffersKeepTheView() {
        assertFalse(FetchCollector.readsArrays(Serdes.string().deserializer()), "the built-in string deserializer decodes in place");
        assertFalse(FetchCollector.readsArrays(new Lengths()), "a class that reads buffers itself");
        assertFalse(FetchCollector.readsArrays(new Lengths() {}), "a subclass inheriting that");
    }

    /** Reads buffers itself. */
    private static class Lengths implements Deserializer<Integer> {
        @Override
        public Integer deserialize(byte[] data, SerdeContext context) {
            return data == null ? null : data.length;
        }

        @Override
        public Integer deserialize(ByteBuffer data, SerdeContext context) {
            return data == null ? null : data.remaining();
        }
    }
}
