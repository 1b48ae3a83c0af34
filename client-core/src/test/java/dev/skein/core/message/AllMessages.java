package dev.skein.core.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Every generated top-level message class, found through the field table. */
final class AllMessages {
    private AllMessages() {}

    static List<Class<? extends Message>> topLevel() {
        Set<String> names = new TreeSet<>();
        for (String cls : MessageFields.BY_CLASS.keySet()) {
            int dollar = cls.indexOf('$');
            names.add(dollar < 0 ? cls : cls.substring(0, dollar));
        }
        // A message without fields has no rows; the API keys name every request and response.
        for (ApiKey k : ApiKey.values()) {
            names.add(k.newRequest().getClass().getName());
            names.add(k.newResponse().getClass().getName());
        }
        List<Class<? extends Message>> out = new ArrayList<>();
        for (String n : names) {
            try {
                out.add(Class.forName(n).asSubclass(Message.class));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    static Message newInstance(Class<? extends Message> type) {
        try {
            return type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static Message read(Class<? extends Message> type, io.netty.buffer.ByteBuf buf, short version) {
        try {
            return (Message) type.getMethod("read", io.netty.buffer.ByteBuf.class, short.class).invoke(null, buf, version);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
