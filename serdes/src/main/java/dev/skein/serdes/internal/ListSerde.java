package dev.skein.serdes.internal;

import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serializer;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lists in the layout of Kafka's list serde (KIP-466), so lists are readable by either client:
 * a strategy byte, then for fixed-size elements (0) the count and indexes of null entries, the size,
 * and the elements back to back; for other elements (1) the size and each element as a 4-byte length
 * (-1 for null) and its bytes.
 */
public final class ListSerde<T> implements Serializer<List<T>>, Deserializer<List<T>> {
    private static final int NULL_ENTRY = -1;
    private final Serializer<T> inner;
    private final Deserializer<T> innerDeserializer;
    private final int fixedSize;

    public ListSerde(Serializer<T> inner, Deserializer<T> innerDeserializer) {
        this.inner = inner;
        this.innerDeserializer = innerDeserializer;
        this.fixedSize = inner instanceof FixedSizeSerde<?> f ? f.size() : -1;
    }

    @Override
    public byte[] serialize(List<T> list, SerdeContext context) {
        if (list == null) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean constant = fixedSize > 0;
        out.write(constant ? 0 : 1);
        if (constant) {
            List<Integer> nulls = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) == null) {
                    nulls.add(i);
                }
            }
            writeInt(out, nulls.size());
            nulls.forEach(i -> writeInt(out, i));
        }
        writeInt(out, list.size());
        for (T e : list) {
            if (e == null) {
                if (!constant) {
                    writeInt(out, NULL_ENTRY);
                }
                continue;
            }
            byte[] b = inner.serialize(e, context);
            if (!constant) {
                writeInt(out, b.length);
            }
            out.write(b, 0, b.length);
        }
        return out.toByteArray();
    }

    @Override
    public List<T> deserialize(byte[] data, SerdeContext context) {
        return data == null ? null : deserialize(ByteBuffer.wrap(data), context);
    }

    @Override
    public List<T> deserialize(ByteBuffer data, SerdeContext context) {
        if (data == null) {
            return null;
        }
        ByteBuffer in = data.duplicate();
        try {
            int strategy = in.get();
            boolean constant = strategy == 0;
            if (strategy != 0 && strategy != 1) {
                throw new IllegalArgumentException("unknown list strategy " + strategy);
            }
            if (constant && fixedSize < 0) {
                throw new IllegalArgumentException("a constant-size list needs a fixed-size element deserializer");
            }
            Set<Integer> nulls = new HashSet<>();
            if (constant) {
                int n = count(in.getInt(), in, 4);
                for (int i = 0; i < n; i++) {
                    nulls.add(in.getInt());
                }
            }
            int size = count(in.getInt(), in, constant ? 0 : 4);
            List<T> out = new ArrayList<>(Math.min(size, 1024));
            for (int i = 0; i < size; i++) {
                if (constant && nulls.contains(i)) {
                    out.add(null);
                    continue;
                }
                int len = constant ? fixedSize : in.getInt();
                if (len == NULL_ENTRY) {
                    out.add(null);
                    continue;
                }
                if (len < 0 || len > in.remaining()) {
                    throw new IllegalArgumentException("element length " + len + " exceeds the payload");
                }
                ByteBuffer element = in.slice();
                element.limit(len);
                in.position(in.position() + len);
                out.add(innerDeserializer.deserialize(element, context));
            }
            return out;
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new SerializationException("malformed list: " + (e.getMessage() == null ? "truncated" : e.getMessage()),
                    context, FixedSizeSerde.bytes(data), e);
        }
    }

    private static int count(int n, ByteBuffer in, int bytesEach) {
        if (n < 0 || (long) n * bytesEach > in.remaining()) {
            throw new IllegalArgumentException("count " + n + " exceeds the payload");
        }
        return n;
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
