package dev.skein.consumer.internal;

import dev.skein.consumer.internal.ParallelScheduler.CommitPoint;
import dev.skein.consumer.internal.ParallelScheduler.Work;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelSchedulerTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private static ParallelScheduler<String> scheduler() {
        ParallelScheduler<String> s = new ParallelScheduler<>(4000);
        s.assign(TP, DoneOffsets.none(-1));
        return s;
    }

    @Test
    void recordsOfOneKeyRunOneAtATimeInOffsetOrderWhileOtherKeysRun() {
        ParallelScheduler<String> s = scheduler();
        Work<String> a0 = s.add(TP, 0, 5, "a", 10, "a0");
        Work<String> a1 = s.add(TP, 1, 5, "a", 10, "a1");
        Work<String> b2 = s.add(TP, 2, 5, "b", 10, "b2");
        Work<String> a3 = s.add(TP, 3, 5, "a", 10, "a3");
        assertNotNull(a0);
        assertNull(a1, "a1 waits behind a0");
        assertNotNull(b2, "another key runs at once");
        assertNull(a3);
        assertEquals(4, s.held());
        assertEquals(40, s.heldBytes());
        assertEquals(2, s.maxWaitingPerKey());
        Work<String> next = s.complete(a0);
        assertEquals(1, next.offset(), "the next of key a, in offset order");
        assertEquals("a1", next.record());
        assertEquals(3, s.held());
        Work<String> after = s.complete(next);
        assertEquals(3, after.offset());
        assertNull(s.complete(b2));
        assertNull(s.complete(after));
        assertEquals(0, s.held());
        assertEquals(0, s.running());
    }

    @Test
    void recordsWithoutAKeyStartAtOnce() {
        ParallelScheduler<String> s = scheduler();
        for (int i = 0; i < 5; i++) {
            assertNotNull(s.add(TP, i, 0, null, 1, "r" + i));
        }
        assertEquals(5, s.running());
    }

    @Test
    void theCommitStopsAtTheFirstRecordNotDoneAndDescribesTheDoneOnesAbove() {
        ParallelScheduler<String> s = scheduler();
        List<Work<String>> works = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            works.add(s.add(TP, 100 + i, 7, null, 1, "r" + i));
        }
        assertEquals(new CommitPoint(100, -1, ""), s.commitPoint(TP), "nothing done: the first offset, no metadata");
        s.complete(works.get(0));
        s.complete(works.get(1));
        s.complete(works.get(3));
        s.complete(works.get(6));
        CommitPoint cp = s.commitPoint(TP);
        assertEquals(102, cp.offset());
        assertEquals(7, cp.leaderEpoch(), "the epoch of the record before the commit point");
        DoneOffsets done = DoneOffsets.decode(cp.offset(), cp.metadata());
        for (long o = 100; o < 112; o++) {
            boolean expected = o == 103 || o == 106;
            assertEquals(expected, done.isDone(o), "offset " + o);
        }
        works.forEach(s::complete);
        assertEquals(new CommitPoint(110, 7, ""), s.commitPoint(TP), "all done: the offset after the last");
    }

    @Test
    void aTakeoverSkipsWhatThePreviousOwnerFinishedAndKeepsSayingSoUntilItGetsThere() {
        ParallelScheduler<String> first = scheduler();
        List<Work<String>> works = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            works.add(first.add(TP, i, 1, null, 1, "r" + i));
        }
        for (int i = 0; i < 20; i++) {
            if (i != 4 && i != 15) {
                first.complete(works.get(i));
            }
        }
        CommitPoint cp = first.commitPoint(TP);
        assertEquals(4, cp.offset());

        ParallelScheduler<String> second = new ParallelScheduler<>(4000);
        second.assign(TP, DoneOffsets.decode(cp.offset(), cp.metadata()));
        List<Long> ran = new ArrayList<>();
        Work<String> w4 = second.add(TP, 4, 1, null, 1, "r4");
        assertNotNull(w4);
        ran.add(w4.offset());
        for (int i = 5; i < 10; i++) {
            assertNull(second.add(TP, i, 1, null, 1, "r" + i), "done before the takeover: " + i);
        }
        assertEquals(1, second.held());
        second.complete(w4);
        // Received up to 9 only: the commit still carries 15 as the only one not done below 20.
        CommitPoint mid = second.commitPoint(TP);
        assertEquals(10, mid.offset());
        DoneOffsets d = DoneOffsets.decode(mid.offset(), mid.metadata());
        for (long o = 10; o < 22; o++) {
            assertEquals(o != 15 && o < 20, d.isDone(o), "offset " + o);
        }
        for (int i = 10; i < 22; i++) {
            Work<String> w = second.add(TP, i, 1, null, 1, "r" + i);
            if (w != null) {
                ran.add(w.offset());
                second.complete(w);
            }
        }
        assertEquals(List.of(4L, 15L, 20L, 21L), ran);
        assertEquals(new CommitPoint(22, 1, ""), second.commitPoint(TP));
    }

    @Test
    void aRevokeLetsWaitingRecordsGoAndTheCommitStaysBelowThem() {
        ParallelScheduler<String> s = scheduler();
        Work<String> a0 = s.add(TP, 0, 0, "a", 1, "a0");
        assertNull(s.add(TP, 1, 0, "a", 1, "a1"));
        Work<String> b2 = s.add(TP, 2, 0, "b", 1, "b2");
        s.complete(b2);
        s.revoke(List.of(TP));
        assertEquals(1, s.running(List.of(TP)));
        assertEquals(1, s.held(), "a1 is let go, a0 still runs");
        assertFalse(s.live(a0));
        assertNull(s.complete(a0), "nothing more starts on a revoked partition");
        assertEquals(0, s.running(List.of(TP)));
        CommitPoint cp = s.commitPoint(TP);
        assertEquals(1, cp.offset(), "a1 never ran: the next owner starts there");
        assertTrue(DoneOffsets.decode(cp.offset(), cp.metadata()).isDone(2));
        s.remove(List.of(TP));
        assertEquals(0, s.held());
        assertNull(s.add(TP, 3, 0, "a", 1, "a3"), "not ours any more");
    }

    @Test
    void anAbandonedRecordIsNotDoneAndItsKeyDoesNotMoveOn() {
        ParallelScheduler<String> s = scheduler();
        Work<String> a0 = s.add(TP, 0, 0, "a", 1, "a0");
        s.add(TP, 1, 0, "a", 1, "a1");
        s.stop();
        s.abandon(a0);
        assertEquals(0, s.held());
        assertEquals(0, s.running());
        assertEquals(0, s.commitPoint(TP).offset());
    }

    @Test
    void underRandomCompletionsKeyOrderHoldsAndTheCommitNeverPassesUnfinishedWork() {
        Random random = new Random(42);
        ParallelScheduler<String> s = scheduler();
        List<Work<String>> running = new ArrayList<>();
        boolean[] done = new boolean[5000];
        long[] lastOfKey = new long[50];
        java.util.Arrays.fill(lastOfKey, -1);
        int next = 0;
        while (next < 5000 || !running.isEmpty()) {
            if (next < 5000 && (running.isEmpty() || random.nextBoolean())) {
                Work<String> w = s.add(TP, next, 0, "k" + (next % 50), 1, Integer.toString(next % 50));
                if (w != null) {
                    running.add(w);
                }
                next++;
            } else {
                Work<String> w = running.remove(random.nextInt(running.size()));
                int key = Integer.parseInt(w.record());
                assertTrue(w.offset() > lastOfKey[key], "key order");
                lastOfKey[key] = w.offset();
                done[(int) w.offset()] = true;
                Work<String> n = s.complete(w);
                if (n != null) {
                    running.add(n);
                }
                if (random.nextInt(10) == 0) {
                    CommitPoint cp = s.commitPoint(TP);
                    DoneOffsets d = DoneOffsets.decode(cp.offset(), cp.metadata());
                    for (int o = 0; o < next; o++) {
                        if (o < cp.offset() || d.isDone(o)) {
                            assertTrue(done[o], "committed as done but not done: " + o);
                        }
                    }
                }
            }
        }
        assertEquals(5000, s.commitPoint(TP).offset());
        assertSame(0, s.held());
    }

    /**
     * The consumer's position goes back without a rebalance (KIP-320: the log diverged below what was
     * received). What lies below the new position is still the partition's log: a record there that is
     * not done keeps holding the commit point, and the records at and above it are received again.
     */
    @Test
    void goingBackKeepsTheRecordsBelowTheNewPosition() {
        ParallelScheduler<String> s = scheduler();
        Work<String> slow = s.add(TP, 100, 3, "a", 1, "r100");
        assertNotNull(slow);
        for (int o = 101; o <= 300; o++) {
            s.complete(s.add(TP, o, 3, null, 1, "r" + o));
        }
        assertEquals(100, s.commitPoint(TP).offset());
        for (int o = 250; o <= 260; o++) {
            Work<String> again = s.add(TP, o, 4, null, 1, "again" + o);
            assertNotNull(again, "the record at " + o + " is received again and runs");
            s.complete(again);
        }
        assertEquals(100, s.commitPoint(TP).offset(), "record 100 is still not done");
        assertEquals(161, s.span(TP), "the span holds 100..260, once each");
        assertNull(s.complete(slow));
        assertEquals(261, s.commitPoint(TP).offset(), "once 100 is done, up to what was received again");
        assertEquals(0, s.held());
        assertEquals(0, s.running());
    }

    /**
     * Records waiting behind their key take no room among those running: one slow key (or, under
     * partition ordering, one slow partition) must not use up {@code maxInFlight} with its followers.
     * Its waiting records are bounded per partition instead, with some slack before it is let go again.
     */
    @Test
    void recordsWaitingBehindASlowKeyDoNotCountAsRunningAndFillOnlyTheirPartition() {
        TopicPartition other = new TopicPartition("t", 1);
        ParallelScheduler<String> s = new ParallelScheduler<>(4000, 20, 1_000_000);
        s.assign(TP, DoneOffsets.none(-1));
        s.assign(other, DoneOffsets.none(-1));
        Work<String> slow = s.add(TP, 0, 0, "p", 10, "r0");
        assertNotNull(slow);
        for (int o = 1; o < 20; o++) {
            assertNull(s.add(TP, o, 0, "p", 10, "r" + o));
            assertFalse(s.waitingFull(TP), "not full yet at " + o);
        }
        assertEquals(1, s.running(), "only the slow head runs");
        assertEquals(10, s.runningBytes());
        assertEquals(20, s.held());
        assertNull(s.add(TP, 20, 0, "p", 10, "r20"));
        assertTrue(s.waitingFull(TP), "20 waiting: the partition must pause");
        assertFalse(s.waitingFull(other), "the other partition is not");
        assertNotNull(s.add(other, 0, 0, "p", 10, "o0"), "the other partition still runs");
        assertEquals(2, s.running());
        Work<String> next = s.complete(slow);
        for (int i = 0; i < 9; i++) {
            assertTrue(s.waitingFull(TP), "still paused until half drained, " + i);
            next = s.complete(next);
        }
        assertFalse(s.waitingFull(TP), "10 waiting: fetched again");
        assertEquals(10, s.oldestNotDone(TP), "the oldest record not done");
    }

    /**
     * A backwards reposition (KIP-320; a reset) drops what was received from the new position on, but a
     * dropped record still running keeps its key: the record received again, or the next of that key,
     * waits for it to return, so a key never runs on two threads at once.
     */
    @Test
    void aRecordDroppedByGoingBackWhileRunningStillHoldsItsKeyUntilItReturns() {
        ParallelScheduler<String> s = scheduler();
        Work<String> a5 = s.add(TP, 5, 1, "a", 1, "a5");
        assertNotNull(a5);
        assertNull(s.add(TP, 6, 1, "a", 1, "a6"));
        Work<String> n7 = s.add(TP, 7, 1, null, 1, "n7");
        assertNotNull(n7);
        assertNull(s.add(TP, 5, 2, "a", 1, "a5again"), "a5 still runs: its key waits for it");
        assertEquals(2, s.running(), "a5 and n7 still run, dropped or not");
        assertFalse(s.live(a5), "its result no longer counts");
        Work<String> again = s.complete(a5);
        assertNotNull(again, "once a5 returns, the record received again starts");
        assertEquals("a5again", again.record());
        assertEquals(5, s.commitPoint(TP).offset(), "the dropped run was not taken as done");
        assertNull(s.complete(n7));
        assertEquals(1, s.running());
        assertNull(s.complete(again));
        assertEquals(6, s.commitPoint(TP).offset());
        assertEquals(0, s.running());
        assertEquals(0, s.held());
    }

    @Test
    void aDroppedRecordThatFailsLetsTheNextOfItsKeyStart() {
        ParallelScheduler<String> s = scheduler();
        Work<String> a0 = s.add(TP, 0, 1, "a", 1, "a0");
        assertNull(s.add(TP, 0, 2, "a", 1, "a0again"));
        Work<String> next = s.abandon(a0);
        assertNotNull(next, "the key moves on once the dropped record gave up");
        assertEquals("a0again", next.record());
        assertEquals(1, s.running());
    }
}
