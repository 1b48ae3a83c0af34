package dev.skein.serdes.internal;

import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serializer;
import dev.skein.serdes.SerializationException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;

/** Strings in a charset (UTF-8 by default). Malformed input decodes with replacement characters, as Kafka's does. */
public final class StringSerde implements Serializer<String>, Deserializer<String>, ContextFree {
    private final Charset charset;

    public StringSerde(Charset charset) {
        this.charset = charset;
    }

    @Override
    public byte[] serialize(String value, SerdeContext context) {
        return value == null ? null : value.getBytes(charset);
    }

    @Override
    public String deserialize(byte[] data, SerdeContext context) {
        return data == null ? null : new String(data, charset);
    }

    @Override
    public String deserialize(ByteBuffer data, SerdeContext context) {
        if (data == null) {
            return null;
        }
        if (data.hasArray()) {
            return new String(data.array(), data.arrayOffset() + data.position(), data.remaining(), charset);
        }
        try {
            return charset.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(data.duplicate()).toString();
        } catch (CharacterCodingException e) {
            throw new SerializationException("not " + charset + " text", context, FixedSizeSerde.bytes(data), e);
        }
    }
}
