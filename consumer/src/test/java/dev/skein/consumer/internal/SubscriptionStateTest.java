package dev.skein.consumer.internal;

import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SubscriptionStateTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    /**
     * seekToBeginning() while a fetch from the old position is out: that fetch's OFFSET_OUT_OF_RANGE
     * (auto.offset.reset: latest) must not replace the user's reset, which would skip the backlog.
     */
    @Test
    void aFetchersResetDoesNotReplaceTheUsersPendingOne() {
        SubscriptionState s = new SubscriptionState();
        s.assign(List.of(TP));
        s.seek(TP, 100);
        s.resetTo(TP, OffsetReset.EARLIEST);
        s.requestReset(TP, 100, OffsetReset.LATEST);
        assertEquals(OffsetReset.EARLIEST, s.pendingReset(TP));
        s.resetTo(TP, OffsetReset.LATEST);
        assertEquals(OffsetReset.LATEST, s.pendingReset(TP), "the user's later call wins");
    }

    @Test
    void aFetchersResetAppliesOnlyToThePositionItWasAbout() {
        SubscriptionState s = new SubscriptionState();
        s.assign(List.of(TP));
        s.seek(TP, 100);
        s.requestReset(TP, 50, OffsetReset.LATEST);
        assertEquals(null, s.pendingReset(TP), "the position moved since that fetch");
        s.requestReset(TP, 100, OffsetReset.LATEST);
        assertEquals(OffsetReset.LATEST, s.pendingReset(TP));
    }
}
