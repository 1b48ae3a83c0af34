package dev.skein.producer.internal;

import dev.skein.core.internal.ThrottledLog;
import dev.skein.core.errors.ConfigException;
import dev.skein.producer.Callback;
import dev.skein.producer.ProducerInterceptor;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;

/**
 * A producer's interceptors, in the order they run. Each call is guarded: an interceptor that throws
 * is logged ({@link ThrottledLog}) and skipped, whatever {@link Exception} it throws (checked ones
 * too: Kotlin or Scala code, or a sneaky throw, throws them past Java's compiler, and they must not
 * escape into the I/O path; an {@link Error} does), never failing the record (the contract documented
 * on {@link ProducerInterceptor}).
 */
public final class ProducerInterceptors<K, V> {
    private final ProducerInterceptor<K, V>[] all;
    private final ThrottledLog log = new ThrottledLog(ProducerInterceptors.class);

    @SuppressWarnings("unchecked")
    private ProducerInterceptors(List<ProducerInterceptor<K, V>> interceptors) {
        this.all = interceptors.toArray(new ProducerInterceptor[0]);
    }

    /** Null when there are none: the send path then pays nothing for the feature. */
    static <K, V> ProducerInterceptors<K, V> of(List<ProducerInterceptor<K, V>> interceptors) {
        return interceptors.isEmpty() ? null : new ProducerInterceptors<>(interceptors);
    }

    /**
     * One instance of each class of {@code interceptor.classes}, in order, in a list the caller may
     * add to. A constructor that throws fails the build, naming the key; those made before are closed.
     */
    @SuppressWarnings("unchecked")
    public static <K, V> List<ProducerInterceptor<K, V>> instantiate(
            List<Class<? extends ProducerInterceptor<?, ?>>> classes) {
        List<ProducerInterceptor<K, V>> out = new ArrayList<>();
        for (Class<? extends ProducerInterceptor<?, ?>> c : classes) {
            try {
                out.add((ProducerInterceptor<K, V>) c.getConstructor().newInstance());
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
    public static void closeAll(List<? extends ProducerInterceptor<?, ?>> interceptors, RuntimeException failure) {
        for (ProducerInterceptor<?, ?> i : interceptors) {
            try {
                i.close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    ProducerRecord<K, V> onSend(ProducerRecord<K, V> record) {
        ProducerRecord<K, V> r = record;
        for (ProducerInterceptor<K, V> i : all) {
            try {
                ProducerRecord<K, V> next = i.onSend(r);
                if (next == null) {
                    log.warn(i, "onSend", "returned null; the record goes on as it was", null);
                } else {
                    r = next;
                }
            } catch (Exception e) {
                log.warn(i, "onSend", "threw; the record goes on as it was", e);
            }
        }
        return r;
    }

    void onAcknowledgement(RecordMetadata metadata, Exception error) {
        for (ProducerInterceptor<K, V> i : all) {
            try {
                i.onAcknowledgement(metadata, error);
            } catch (Exception e) {
                log.warn(i, "onAcknowledgement", "threw", e);
            }
        }
    }

    /**
     * The callback to give the send path: the interceptors' acknowledgement first, then the user's
     * callback (may be null), as Apache Kafka's producer orders them.
     */
    Callback wrap(Callback user) {
        return (md, e) -> {
            onAcknowledgement(md, e);
            if (user != null) {
                user.onCompletion(md, e);
            }
        };
    }

    void close() {
        for (ProducerInterceptor<K, V> i : all) {
            try {
                i.close();
            } catch (Exception e) {
                log.warn(i, "close", "threw", e);
            }
        }
    }
}
