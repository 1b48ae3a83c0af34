package dev.skein.testkit;

import dev.skein.testkit.DeliveryChecker.Guarantee;
import dev.skein.testkit.DeliveryChecker.Kind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Histories with one fault each, and what the checker says of them under each guarantee. */
class DeliveryCheckerTest {

    /** p1 sends a, b, c to t-0 at offsets 0, 1, 2; m1 owns t-0. */
    private static DeliveryChecker produced(Guarantee g) {
        DeliveryChecker c = DeliveryChecker.expecting(g);
        int offset = 0;
        for (String v : List.of("a", "b", "c")) {
            c.sent("p1", v);
            c.acknowledged(v, "t", 0, offset++);
        }
        c.assigned("m1", 1, "t", 0);
        return c;
    }

    private static void readAll(DeliveryChecker c) {
        c.received("m1", 1, "t", 0, 0, "a");
        c.received("m1", 1, "t", 0, 1, "b");
        c.received("m1", 1, "t", 0, 2, "c");
    }

    private static List<Kind> kinds(DeliveryChecker.Report r) {
        return r.violations().stream().map(DeliveryChecker.Violation::kind).toList();
    }

    @Test
    void aCleanHistoryIsOkUnderEveryGuarantee() {
        for (Guarantee g : Guarantee.values()) {
            DeliveryChecker c = produced(g);
            readAll(c);
            c.committed("m1", "t", 0, 3);
            DeliveryChecker.Report r = c.check();
            assertTrue(r.ok(), r.toString());
            assertEquals(List.of(), r.violations());
            assertEquals(3L, r.counts().get("distinct_read"));
            r.assertOk();
        }
    }

    @Test
    void aRecordNeverReadIsLostWhichOnlyAtMostOnceAllows() {
        for (Guarantee g : Guarantee.values()) {
            DeliveryChecker c = produced(g);
            c.received("m1", 1, "t", 0, 0, "a");
            c.received("m1", 1, "t", 0, 2, "c");
            DeliveryChecker.Report r = c.check();
            assertEquals(List.of(Kind.LOST), kinds(r), g.name());
            assertEquals(g == Guarantee.AT_MOST_ONCE, r.ok(), g.name());
            assertTrue(r.toString().contains("b@1"), r.toString());
        }
        DeliveryChecker c = produced(Guarantee.AT_LEAST_ONCE);
        c.received("m1", 1, "t", 0, 0, "a");
        assertThrows(AssertionError.class, () -> c.check().assertOk());
    }

    @Test
    void aRecordReadTwiceIsAllowedOnlyAtLeastOnce() {
        for (Guarantee g : Guarantee.values()) {
            DeliveryChecker c = produced(g);
            readAll(c);
            c.received("m1", 1, "t", 0, 1, "b"); // redelivered after a rebalance, say
            DeliveryChecker.Report r = c.check();
            assertEquals(List.of(Kind.READ_TWICE), kinds(r), g.name());
            assertEquals(g == Guarantee.AT_LEAST_ONCE, r.ok(), g.name());
        }
    }

    @Test
    void aValueAtTwoOffsetsWasWrittenTwiceWhichAnIdempotentProducerNeverDoes() {
        DeliveryChecker c = produced(Guarantee.AT_LEAST_ONCE);
        readAll(c);
        c.received("m1", 1, "t", 0, 3, "b"); // the retry of a batch whose first write succeeded
        DeliveryChecker.Report r = c.check();
        assertEquals(List.of(Kind.WRITTEN_TWICE), kinds(r));
        assertFalse(r.ok(), "idempotent producers never write twice");

        DeliveryChecker lax = produced(Guarantee.AT_LEAST_ONCE).producersNotIdempotent();
        readAll(lax);
        lax.received("m1", 1, "t", 0, 3, "b");
        assertTrue(lax.check().ok(), "without idempotence at-least-once allows it");
    }

    @Test
    void recordsInTheLogInAnotherOrderThanSentAreOutOfOrder() {
        DeliveryChecker c = DeliveryChecker.expecting(Guarantee.EXACTLY_ONCE);
        c.assigned("m1", 1, "t", 0);
        for (String v : List.of("a", "b", "c")) {
            c.sent("p1", v);
        }
        c.sent("p2", "x");
        c.acknowledged("b", "t", 0, 0);
        c.acknowledged("a", "t", 0, 1);
        c.acknowledged("x", "t", 0, 2);
        c.acknowledged("c", "t", 0, 3);
        c.received("m1", 1, "t", 0, 0, "b");
        c.received("m1", 1, "t", 0, 1, "a");
        c.received("m1", 1, "t", 0, 2, "x");
        c.received("m1", 1, "t", 0, 3, "c");
        DeliveryChecker.Report r = c.check();
        assertEquals(List.of(Kind.OUT_OF_ORDER), kinds(r), r.toString());
        assertTrue(r.violations().get(0).detail().startsWith("a@1"), r.toString());
    }

    @Test
    void consumersThatDisagreeOnAnOffsetOrWithTheAcknowledgement() {
        DeliveryChecker c = produced(Guarantee.AT_LEAST_ONCE);
        c.assigned("m2", 2, "t", 0);
        readAll(c);
        c.received("m2", 2, "t", 0, 1, "c"); // m2 sees c where m1 saw b
        DeliveryChecker.Report r = c.check();
        assertEquals(List.of(Kind.TWO_VALUES_AT_ONE_OFFSET, Kind.WRITTEN_TWICE), kinds(r), r.toString());
        assertFalse(r.ok());

        DeliveryChecker moved = produced(Guarantee.AT_LEAST_ONCE);
        moved.received("m1", 1, "t", 0, 0, "a");
        moved.received("m1", 1, "t", 0, 1, "b");
        moved.received("m1", 1, "t", 0, 5, "c"); // acknowledged at 2
        assertEquals(List.of(Kind.OFFSET_MISMATCH), kinds(moved.check()));
    }

    @Test
    void recordsAndCommitsForAPartitionTheMemberDoesNotOwn() {
        DeliveryChecker c = produced(Guarantee.AT_LEAST_ONCE);
        c.received("m1", 1, "t", 0, 0, "a");
        c.revoked("m1", "t", 0);
        c.received("m1", 1, "t", 0, 1, "b"); // a record of a revoked partition handed out after the revoke
        c.committed("m1", "t", 0, 2);
        c.assigned("m2", 2, "t", 0);
        c.received("m2", 2, "t", 0, 2, "c");
        DeliveryChecker.Report r = c.check();
        assertEquals(List.of(Kind.COMMIT_NOT_OWNED, Kind.NOT_OWNED), kinds(r), r.toString());
    }

    @Test
    void aCommitPastAnUnreadRecordSkipsItWhichOnlyAtMostOnceAllows() {
        for (Guarantee g : Guarantee.values()) {
            DeliveryChecker c = produced(g);
            c.received("m1", 1, "t", 0, 0, "a");
            c.committed("m1", "t", 0, 3); // b and c unread
            DeliveryChecker.Report r = c.check();
            assertTrue(kinds(r).contains(Kind.COMMIT_SKIPS), r.toString());
            assertEquals(g == Guarantee.AT_MOST_ONCE, r.ok(), g + ": " + r);
        }
    }

    @Test
    void readCommittedNeverSeesAbortedOrOpenTransactionsAndCountsOnlyCommittedOnesAsPromised() {
        DeliveryChecker c = DeliveryChecker.expecting(Guarantee.EXACTLY_ONCE).readCommitted();
        c.assigned("m1", 1, "t", 0);
        c.beginTransaction("p1");
        c.sent("p1", "kept");
        c.acknowledged("kept", "t", 0, 0);
        c.commitTransaction("p1");
        c.beginTransaction("p1");
        c.sent("p1", "dropped");
        c.acknowledged("dropped", "t", 0, 2);
        c.abortTransaction("p1");
        c.beginTransaction("p1");
        c.sent("p1", "pending");
        c.acknowledged("pending", "t", 0, 4);
        c.received("m1", 1, "t", 0, 0, "kept");
        c.committed("m1", "t", 0, 6); // past the aborted and open records: nothing promised is skipped
        DeliveryChecker.Report clean = c.check();
        assertTrue(clean.ok(), clean.toString());
        assertEquals(List.of(), clean.violations(), "an aborted record unread is no loss");

        c.received("m1", 1, "t", 0, 2, "dropped");
        c.received("m1", 1, "t", 0, 4, "pending");
        assertEquals(List.of(Kind.ABORTED_READ, Kind.OPEN_READ), kinds(c.check()));
    }

    @Test
    void aRecordItsProducerWasToldFailedMustNotBeReadAndAnUnknownOutcomeMayBeEither() {
        DeliveryChecker c = DeliveryChecker.expecting(Guarantee.EXACTLY_ONCE);
        c.assigned("m1", 1, "t", 0);
        c.sent("p1", "a");
        c.failed("a");
        c.sent("p1", "b");
        c.outcomeUnknown("b");
        c.sent("p1", "c");
        c.outcomeUnknown("c");
        c.received("m1", 1, "t", 0, 0, "a");
        c.received("m1", 1, "t", 0, 1, "b");
        c.received("m1", 1, "t", 0, 2, "zzz");
        DeliveryChecker.Report r = c.check();
        assertEquals(List.of(Kind.FAILED_BUT_WRITTEN, Kind.UNKNOWN_VALUE), kinds(r), r.toString());
    }

    @Test
    void misuseIsRefusedAtOnce() {
        DeliveryChecker c = DeliveryChecker.expecting(Guarantee.AT_LEAST_ONCE);
        c.sent("p1", "a");
        assertThrows(IllegalArgumentException.class, () -> c.sent("p2", "a"), "values must be unique");
        assertThrows(IllegalArgumentException.class, () -> c.acknowledged("b", "t", 0, 0), "never sent");
        assertThrows(IllegalStateException.class, () -> c.commitTransaction("p1"), "no transaction open");
    }
}
