package dev.skein.consumer.internal;

import org.junit.jupiter.api.Test;

import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoneOffsetsTest {

    @Test
    void roundTrips() {
        long[] notDone = {1000, 1003, 1100, 5000};
        String m = DoneOffsets.encode(1000, 6000, notDone, notDone.length, 4000);
        assertTrue(m.startsWith(DoneOffsets.PREFIX));
        DoneOffsets d = DoneOffsets.decode(1000, m);
        assertEquals(new DoneOffsets(1000, 6000, notDone), d);
        assertFalse(d.isDone(1000));
        assertTrue(d.isDone(1001));
        assertFalse(d.isDone(1003));
        assertTrue(d.isDone(5999));
        assertFalse(d.isDone(6000));
        assertFalse(d.isDone(999));
    }

    @Test
    void nothingDoneSaysNothing() {
        assertEquals("", DoneOffsets.encode(10, 10, new long[0], 0, 4000));
        assertEquals("", DoneOffsets.encode(10, 12, new long[] {10, 11}, 2, 4000));
    }

    @Test
    void tooManyToFitLeavesTheRestToBeRunAgainNeverSkipped() {
        long[] notDone = LongStream.range(0, 5000).map(i -> i * 2).toArray(); // every other offset not done
        String m = DoneOffsets.encode(0, 10_000, notDone, notDone.length, 400);
        assertTrue(m.length() <= 400, m.length() + " chars");
        DoneOffsets d = DoneOffsets.decode(0, m);
        assertTrue(d.end() > 100, "a useful part still fits: " + d.end());
        for (long o = 0; o < 10_000; o++) {
            if (d.isDone(o)) {
                assertEquals(1, o % 2, "only done offsets are said to be done: " + o);
            }
        }
    }

    @Test
    void foreignOrCorruptMetadataMeansNothingIsKnown() {
        assertFalse(DoneOffsets.decode(5, "written by someone else").isDone(6));
        assertFalse(DoneOffsets.decode(5, DoneOffsets.PREFIX + "!!!").isDone(6));
        assertFalse(DoneOffsets.decode(5, DoneOffsets.PREFIX + "_w").isDone(6));
        assertFalse(DoneOffsets.decode(5, null).isDone(6));
    }
}
