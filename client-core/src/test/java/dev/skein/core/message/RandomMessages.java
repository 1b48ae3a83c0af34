package dev.skein.core.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Fills generated messages with random values valid at a version, driven by the field table. */
final class RandomMessages {
    private final Random random;

    RandomMessages(long seed) {
        this.random = new Random(seed);
    }

    <T> T fill(Class<T> type, short version) {
        try {
            T o = type.getConstructor().newInstance();
            List<MessageFields.Field> fields = MessageFields.BY_CLASS.getOrDefault(type.getName(), List.of());
            for (MessageFields.Field f : fields) {
                if (!f.presentAt(version)) {
                    continue;
                }
                Object value = f.nullableAt(version) && random.nextInt(5) == 0 ? null : value(type, f, version);
                Method setter = findSetter(type, f.setter());
                setter.invoke(o, value);
            }
            return o;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot fill " + type.getName(), e);
        }
    }

    private static Method findSetter(Class<?> type, String name) {
        for (Method m : type.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == 1) {
                return m;
            }
        }
        throw new IllegalStateException(type.getName() + " has no " + name);
    }

    private Object value(Class<?> owner, MessageFields.Field f, short version) {
        if (f.array()) {
            int n = random.nextInt(4);
            List<Object> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(scalar(owner, f.elementType(), version, true));
            }
            return list;
        }
        return scalar(owner, f.type(), version, false);
    }

    private Object scalar(Class<?> owner, String type, short version, boolean element) {
        return switch (type) {
            case "bool" -> random.nextBoolean();
            case "int8" -> (byte) random.nextInt();
            case "int16" -> (short) random.nextInt();
            case "uint16" -> random.nextInt(65536);
            case "int32" -> random.nextInt();
            case "uint32" -> random.nextLong() & 0xffffffffL;
            case "int64" -> random.nextLong();
            case "float64" -> random.nextDouble() * 1e6;
            case "string" -> string();
            case "bytes" -> bytes(random.nextInt(12));
            case "records" -> Unpooled.wrappedBuffer(bytes(random.nextInt(24)));
            case "uuid" -> new UUID(random.nextLong(), random.nextLong());
            default -> fill(nested(owner, type), version);
        };
    }

    private static Class<?> nested(Class<?> owner, String simpleName) {
        Class<?> top = owner.getEnclosingClass() != null ? owner.getEnclosingClass() : owner;
        for (Class<?> c : top.getClasses()) {
            if (c.getSimpleName().equals(simpleName)) {
                return c;
            }
        }
        throw new IllegalStateException("no struct " + simpleName + " in " + top.getName());
    }

    private String string() {
        int n = random.nextInt(10);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            // Mostly ASCII, sometimes two- and three-byte UTF-8 characters.
            int pick = random.nextInt(10);
            sb.append(pick < 7 ? (char) ('a' + random.nextInt(26)) : pick < 9 ? 'é' : '漢');
        }
        return sb.toString();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Encodes with our generated code into a fresh heap buffer. */
    static ByteBuf encode(Message m, short version) {
        ByteBuf buf = Unpooled.buffer();
        m.write(buf, version);
        return buf;
    }
}
