package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StuckWatchTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void tellsOncePerPeriodWhileTheSameRecordStaysTheOldestAndForgetsItWhenItMoves() {
        StuckWatch watch = new StuckWatch(100);
        assertEquals(-1, watch.observe(TP, 5, 0));
        assertEquals(-1, watch.observe(TP, 5, 99), "not for long yet");
        assertEquals(100, watch.observe(TP, 5, 100));
        assertEquals(-1, watch.observe(TP, 5, 150), "told a moment ago");
        assertEquals(200, watch.observe(TP, 5, 200), "again a period later");
        assertEquals(-1, watch.observe(TP, 6, 250), "the oldest moved on: a new wait");
        assertEquals(-1, watch.observe(TP, 6, 300));
        assertEquals(100, watch.observe(TP, 6, 350));
        watch.retain(List.of());
        assertEquals(-1, watch.observe(TP, 6, 1000), "forgotten with the partition");
        assertEquals(-1, watch.observe(TP, -1, 1100));
    }
}
