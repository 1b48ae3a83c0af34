package dev.skein.consumer.internal;

import dev.skein.core.internal.ThrottledLog;
import dev.skein.consumer.ConsumerInterceptor;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.ConfigException;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A consumer's interceptors, in the order they run. Each call is guarded: an interceptor that throws
 * is logged ({@link ThrottledLog}) and skipped, whatever {@link Exception} it throws (checked ones
 * too: Kotlin or Scala code, or a sneaky throw, throws them past Java's compiler, and they must not
 * escape into the I/O path; an {@link Error} does), never failing the poll (the contract documented on
 * {@link ConsumerInterceptor}).
 */
public final class ConsumerInterceptors<K, V> {
    private final ConsumerInterceptor<K, V>[] all;
    private final ThrottledLog log = new ThrottledLog(ConsumerInterceptors.class);

    @SuppressWarnings("unchecked")
    private ConsumerInterceptors(List<ConsumerInterceptor<K, V>> interceptors) {
        this.all = interceptors.toArray(new ConsumerInterceptor[0]);
    }

    /** Null when there are none: the poll then pays nothing for the feature. */
    static <K, V> ConsumerInterceptors<K, V> of(List<ConsumerInterceptor<K, V>> interceptors) {
        return interceptors.isEmpty() ? null : new ConsumerInterceptors<>(interceptors);
    }

    /**
     * One instance of each class of {@code interceptor.classes}, in order, in a list the caller may add
     * to. A constructor that throws fails the build, naming the key; those made before are closed.
     */
    @SuppressWarnings("unchecked")
    public static <K, V> List<ConsumerInterceptor<K, V>> instantiate(
            List<Class<? extends ConsumerInterceptor<?, ?>>> classes) {
        List<ConsumerInterceptor<K, V>> out = new ArrayList<>();
        for (Class<? extends ConsumerInterceptor<?, ?>> c : classes) {
            try {
                out.add((ConsumerInterceptor<K, V>) c.getConstructor().newInstance());
            } catch (ReflectiveOperationException | RuntimeException e) {
                closeAll(out, null);
                Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
                ConfigException fail = new ConfigException("interceptor.classes", "could not make a " + c.getName()
                        + ": " + cause);
                fail.initCause(cause);
                throw fail;
            }
        }
        return out;
    }

    /** Closes each, adding what one throws to {@code failure} (when given) or dropping it. */
    public static void closeAll(List<? extends ConsumerInterceptor<?, ?>> interceptors, RuntimeException failure) {
        for (ConsumerInterceptor<?, ?> i : interceptors) {
            try {
                i.close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records) {
        ConsumerRecords<K, V> r = records;
        for (ConsumerInterceptor<K, V> i : all) {
            try {
                ConsumerRecords<K, V> next = i.onConsume(r);
                if (next == null) {
                    log.warn(i, "onConsume", "returned null; the records go on as they were", null);
                } else {
                    r = next;
                }
            } catch (Exception e) {
                log.warn(i, "onConsume", "threw; the records go on as they were", e);
            }
        }
        return r;
    }

    void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        for (ConsumerInterceptor<K, V> i : all) {
            try {
                i.onCommit(copy);
            } catch (Exception e) {
                log.warn(i, "onCommit", "threw", e);
            }
        }
    }

    void close() {
        for (ConsumerInterceptor<K, V> i : all) {
            try {
                i.close();
            } catch (Exception e) {
                log.warn(i, "close", "threw", e);
            }
        }
    }
}
