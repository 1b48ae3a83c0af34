package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerInterceptor;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ConsumerInterceptorsTest {

    /** Notes each call in {@code log}. */
    record Noting(List<String> log) implements ConsumerInterceptor<String, String> {
        @Override
        public ConsumerRecords<String, String> onConsume(ConsumerRecords<String, String> records) {
            log.add("onConsume");
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            log.add("onCommit");
        }

        @Override
        public void close() {
            log.add("close");
        }
    }

    /** Throws a checked exception Java's compiler never sees (as Kotlin or Scala code may, or a sneaky throw). */
    static final class SneakyThrowing implements ConsumerInterceptor<String, String> {
        @Override
        public ConsumerRecords<String, String> onConsume(ConsumerRecords<String, String> records) {
            throw ConsumerInterceptorsTest.<RuntimeException>sneaky(new IOException("onConsume broke"));
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            throw ConsumerInterceptorsTest.<RuntimeException>sneaky(new IOException("onCommit broke"));
        }

        @Override
        public void close() {
            throw ConsumerInterceptorsTest.<RuntimeException>sneaky(new IOException("close broke"));
        }
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }

    @Test
    void anInterceptorThrowingACheckedExceptionIsSkippedAsOneThrowingARuntimeException() {
        List<String> log = new ArrayList<>();
        ConsumerInterceptors<String, String> chain = ConsumerInterceptors.of(List.of(new SneakyThrowing(), new Noting(log)));
        ConsumerRecords<String, String> records = ConsumerRecords.empty();
        assertSame(records, chain.onConsume(records), "the records went on as they were");
        chain.onCommit(Map.of(new TopicPartition("t", 0), OffsetAndMetadata.of(1)));
        chain.close();
        IllegalStateException failure = new IllegalStateException("building");
        ConsumerInterceptors.closeAll(List.of(new SneakyThrowing()), failure);
        assertEquals(List.of("onConsume", "onCommit", "close"), log);
        assertEquals("close broke", failure.getSuppressed()[0].getMessage());
    }
}
