package dev.skein.producer.internal;

import dev.skein.core.internal.ThrottledLog;
import dev.skein.producer.ProducerInterceptor;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ProducerInterceptorsTest {

    /** Adds a header with its name, and notes its acknowledgements in {@code log}. */
    record Named(String name, List<String> log) implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            return r.withHeader("by", name.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void onAcknowledgement(RecordMetadata md, Exception e) {
            log.add(name + (e == null ? ":ok" : ":" + e.getMessage()));
        }

        @Override
        public void close() {
            log.add(name + ":closed");
        }
    }

    static final class Throwing implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            throw new IllegalStateException("onSend broke");
        }

        @Override
        public void onAcknowledgement(RecordMetadata md, Exception e) {
            throw new IllegalStateException("onAcknowledgement broke");
        }

        @Override
        public void close() {
            throw new IllegalStateException("close broke");
        }
    }

    static final class ReturnsNull implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            return null;
        }
    }

    @Test
    void eachGetsWhatTheOneBeforeReturnedAndAFailingOneIsSkipped() {
        List<String> log = new ArrayList<>();
        ProducerInterceptors<String, String> chain = ProducerInterceptors.of(List.of(new Named("a", log), new Throwing(),
                new ReturnsNull(), new Named("b", log)));
        ProducerRecord<String, String> out = chain.onSend(ProducerRecord.of("t", "k", "v"));
        assertEquals(List.of("a", "b"), out.headers().stream()
                .map(h -> new String(h.value(), StandardCharsets.UTF_8)).toList());

        chain.wrap((md, e) -> log.add("callback")).onCompletion(new RecordMetadata("t", 0, 7, 1, 1, 1), null);
        chain.wrap(null).onCompletion(null, new IllegalStateException("refused"));
        chain.close();
        assertEquals(List.of("a:ok", "b:ok", "callback", "a:refused", "b:refused", "a:closed", "b:closed"), log);
    }

    @Test
    void aFailureOnEveryRecordIsLoggedOncePerIntervalPerInterceptorAndCall() {
        ThrottledLog log = new ThrottledLog(ProducerInterceptorsTest.class);
        Throwing culprit = new Throwing();
        assertEquals(true, log.warn(culprit, "onSend", "threw", null));
        for (int i = 0; i < 1000; i++) {
            assertEquals(false, log.warn(culprit, "onSend", "threw", null));
        }
        assertEquals(true, log.warn(culprit, "onAcknowledgement", "threw", null), "another call has its own window");
        assertEquals(true, log.warn(new ReturnsNull(), "onSend", "threw", null), "another interceptor too");
    }

    /** Throws a checked exception Java's compiler never sees (as Kotlin or Scala code may, or a sneaky throw). */
    static final class SneakyThrowing implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            throw ProducerInterceptorsTest.<RuntimeException>sneaky(new java.io.IOException("onSend broke"));
        }

        @Override
        public void onAcknowledgement(RecordMetadata md, Exception e) {
            throw ProducerInterceptorsTest.<RuntimeException>sneaky(new java.io.IOException("onAcknowledgement broke"));
        }

        @Override
        public void close() {
            throw ProducerInterceptorsTest.<RuntimeException>sneaky(new java.io.IOException("close broke"));
        }
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    @Test
    void anInterceptorThrowingACheckedExceptionIsSkippedAsOneThrowingARuntimeException() {
        List<String> log = new ArrayList<>();
        ProducerInterceptors<String, String> chain = ProducerInterceptors.of(List.of(new SneakyThrowing(),
                new Named("a", log)));
        ProducerRecord<String, String> out = chain.onSend(ProducerRecord.of("t", "k", "v"));
        assertEquals(1, out.headers().size(), "the record went on to the next interceptor");
        chain.wrap((md, e) -> log.add("callback")).onCompletion(new RecordMetadata("t", 0, 7, 1, 1, 1), null);
        chain.close();
        IllegalStateException failure = new IllegalStateException("building");
        ProducerInterceptors.closeAll(List.of(new SneakyThrowing()), failure);
        assertEquals(List.of("a:ok", "callback", "a:closed"), log);
        assertEquals("close broke", failure.getSuppressed()[0].getMessage());
    }

    @Test
    void noInterceptorsMeansNoChain() {
        assertSame(null, ProducerInterceptors.of(List.of()));
    }
}
