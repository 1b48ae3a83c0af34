package dev.skein.serdes.internal;

import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serializer;

/** Bytes as they are: no copy on the producer side; the consumer's one copy out of its buffer. */
public final class BytesSerde implements Serializer<byte[]>, Deserializer<byte[]>, ContextFree {
    public static final BytesSerde INSTANCE = new BytesSerde();

    private BytesSerde() {}

    @Override
    public byte[] serialize(byte[] value, SerdeContext context) {
        return value;
    }

    @Override
    public byte[] deserialize(byte[] data, SerdeContext context) {
        return data;
    }
}
