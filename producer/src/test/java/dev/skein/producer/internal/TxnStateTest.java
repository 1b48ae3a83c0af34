package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.TransactionException;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.producer.internal.TxnState.State;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static dev.skein.producer.internal.TxnState.State.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The transaction state's rules, call by call and state by state, with no broker and a clock the test
 * holds: what each call does in each state, what each kind of error moves it to, and that a fatal
 * error is final.
 */
class TxnStateTest {
    private static final RuntimeException FENCED = new ProducerFencedException("fenced", ErrorCode.PRODUCER_FENCED);
    private static final RuntimeException RECORD_LOST = new NetworkException("a record was not written", null, false);

    /** A state reached the way the producer reaches it; IN_TRANSACTION and later have something joined. */
    private static TxnState in(State target) {
        TxnState t = new TxnState("id");
        if (target == UNINITIALIZED) {
            return t;
        }
        t.startInit();
        if (target == INITIALIZING) {
            return t;
        }
        t.initialized();
        if (target == READY) {
            return t;
        }
        if (target == FATAL_ERROR) {
            t.failed(FENCED);
            return t;
        }
        t.begin();
        t.joined(0);
        switch (target) {
            case COMMITTING -> assertTrue(t.startEnd(true));
            case ABORTING -> assertTrue(t.startEnd(false));
            case ABORTABLE_ERROR -> t.recordFailed(RECORD_LOST);
            default -> { }
        }
        assertEquals(target, t.state());
        return t;
    }

    /** What a call does: the state it leaves, or the exception it throws. */
    private record Outcome(State to, Class<? extends RuntimeException> thrown) {}

    private static Outcome to(State s) {
        return new Outcome(s, null);
    }

    private static Outcome throwsIt(Class<? extends RuntimeException> e) {
        return new Outcome(null, e);
    }

    private static final Outcome ISE = throwsIt(IllegalStateException.class);
    private static final Outcome ABORTABLE = throwsIt(TransactionAbortableException.class);

    private static void check(String call, Consumer<TxnState> action, Map<State, Outcome> expected) {
        List<String> wrong = new ArrayList<>();
        for (State s : State.values()) {
            Outcome want = s == FATAL_ERROR ? throwsIt(ProducerFencedException.class) : expected.get(s);
            TxnState t = in(s);
            RuntimeException thrown = null;
            try {
                action.accept(t);
            } catch (RuntimeException e) {
                thrown = e;
            }
            if (want.thrown() != null) {
                if (thrown == null || !want.thrown().isInstance(thrown)) {
                    wrong.add(call + " in " + s + ": wanted " + want.thrown().getSimpleName() + ", got "
                            + (thrown == null ? "state " + t.state() : thrown));
                } else if (t.state() != s) {
                    wrong.add(call + " in " + s + " threw but moved the state to " + t.state());
                }
            } else if (thrown != null || t.state() != want.to()) {
                wrong.add(call + " in " + s + ": wanted " + want.to() + ", got " + (thrown != null ? thrown : t.state()));
            }
        }
        assertEquals(List.of(), wrong);
    }

    private static Map<State, Outcome> table(Object... stateThenOutcome) {
        Map<State, Outcome> m = new EnumMap<>(State.class);
        for (int i = 0; i < stateThenOutcome.length; i += 2) {
            m.put((State) stateThenOutcome[i], (Outcome) stateThenOutcome[i + 1]);
        }
        assertEquals(State.values().length - 1, m.size(), "every state but FATAL_ERROR (always the error)");
        return m;
    }

    @Test
    void initTransactionsOnlyOnce() {
        check("initTransactions()", TxnState::startInit, table(
                UNINITIALIZED, to(INITIALIZING), INITIALIZING, ISE, READY, ISE, IN_TRANSACTION, ISE,
                COMMITTING, ISE, ABORTING, ISE, ABORTABLE_ERROR, ISE));
    }

    @Test
    void beginTransactionOnlyWhenReady() {
        check("beginTransaction()", TxnState::begin, table(
                UNINITIALIZED, ISE, INITIALIZING, ISE, READY, to(IN_TRANSACTION), IN_TRANSACTION, ISE,
                COMMITTING, ISE, ABORTING, ISE, ABORTABLE_ERROR, ISE));
    }

    @Test
    void sendOnlyInsideAnOpenTransaction() {
        check("send()", TxnState::checkSend, table(
                UNINITIALIZED, ISE, INITIALIZING, ISE, READY, ISE, IN_TRANSACTION, to(IN_TRANSACTION),
                COMMITTING, ISE, ABORTING, ISE, ABORTABLE_ERROR, ABORTABLE));
    }

    @Test
    void commitFromAnOpenTransactionOrAgainAfterATimeoutNeverAfterAnAbortStarted() {
        check("commitTransaction()", t -> t.startEnd(true), table(
                UNINITIALIZED, ISE, INITIALIZING, ISE, READY, ISE, IN_TRANSACTION, to(COMMITTING),
                COMMITTING, to(COMMITTING), ABORTING, ISE, ABORTABLE_ERROR, ABORTABLE));
    }

    @Test
    void abortFromAnOpenOrFailedTransactionOrAgainNeverAfterACommitStarted() {
        check("abortTransaction()", t -> t.startEnd(false), table(
                UNINITIALIZED, ISE, INITIALIZING, ISE, READY, ISE, IN_TRANSACTION, to(ABORTING),
                COMMITTING, ISE, ABORTING, to(ABORTING), ABORTABLE_ERROR, to(ABORTING)));
    }

    @Test
    void theRefusedSwitchNamesTheCallToRepeat() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> in(COMMITTING).startEnd(false));
        assertTrue(e.getMessage().contains("call commitTransaction() again"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> in(ABORTING).startEnd(true));
        assertTrue(e.getMessage().contains("call abortTransaction() again"), e.getMessage());
    }

    /**
     * Apache Kafka's handleCachedTransactionRequestResult: a call the application gave up waiting for is
     * resumed by the same call (one EndTxn, one InitProducerId), even once it finished meanwhile; any
     * other call is refused until its outcome has been seen.
     */
    @Test
    void aCallThatTimedOutIsResumedByTheSameCallAndRefusesOthersUntilItsOutcomeIsSeen() {
        TxnState t = in(IN_TRANSACTION);
        CompletableFuture<Void> first = new CompletableFuture<>();
        assertSame(first, t.call("commitTransaction()", () -> first));
        assertSame(first, t.call("commitTransaction()", () -> fail("a second commit started")), "the same EndTxn");
        assertTrue(t.resumes("commitTransaction()"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> t.call("abortTransaction()", CompletableFuture::new));
        assertTrue(e.getMessage().contains("call commitTransaction() again"), e.getMessage());
        first.complete(null); // finished after the application gave up waiting
        assertSame(first, t.call("commitTransaction()", () -> fail("a second commit started")),
                "the outcome goes to the call made again");
        t.seen(first);
        assertFalse(t.resumes("abortTransaction()"));
        assertNull(t.pendingCall());
        CompletableFuture<Void> next = new CompletableFuture<>();
        assertSame(next, t.call("abortTransaction()", () -> next), "seen: the next call starts afresh");
        assertEquals("abortTransaction()", t.pendingCall());
    }

    @Test
    void aTransactionNothingJoinedEndsWithoutEndTxn() {
        for (boolean commit : new boolean[] {true, false}) {
            TxnState t = in(READY);
            t.begin();
            assertFalse(t.startEnd(commit), "no EndTxn is due so far");
            assertEquals(commit ? COMMITTING : ABORTING, t.state(), "ended by finished(), once nothing is joining");
            t.finished();
            assertEquals(READY, t.state());
            t.begin(); // the next one
            t.joined(5);
            assertTrue(t.startEnd(commit), "EndTxn is due once something joined");
            t.finished();
            assertFalse(t.joined(), "the next transaction starts with nothing joined");
        }
    }

    @Test
    void aFailedRecordMakesTheTransactionAbortableWhileItCanStillCommit() {
        for (State s : State.values()) {
            TxnState t = in(s);
            t.recordFailed(RECORD_LOST);
            State expected = s == IN_TRANSACTION || s == COMMITTING ? ABORTABLE_ERROR : s;
            assertEquals(expected, t.state(), "a record failed in " + s);
        }
        TxnState t = in(COMMITTING);
        t.recordFailed(RECORD_LOST);
        TransactionAbortableException e = assertThrows(TransactionAbortableException.class, t::requireCommittable,
                "a record failed while the commit waited: EndTxn(commit) must not go out");
        assertSame(RECORD_LOST, e.getCause().getCause());
        assertSame(e.getCause(), t.cannotCommit());
        assertTrue(t.startEnd(false), "the abort is allowed, and EndTxn(abort) is due");
    }

    @Test
    void anAbortableErrorOutsideATransactionChangesNothing() {
        for (State s : new State[] {UNINITIALIZED, INITIALIZING, READY}) {
            TxnState t = in(s);
            t.failed(new TransactionAbortableException("late", null));
            assertEquals(s, t.state());
            assertNull(t.error());
        }
    }

    @Test
    void retriableErrorsChangeNothing() {
        for (State s : State.values()) {
            TxnState t = in(s);
            t.failed(new NetworkException("no answer", null, true));
            t.failed(new dev.skein.core.errors.TimeoutException("max.block.ms", null, true));
            t.failed(new IllegalStateException("out of order"));
            assertEquals(s, t.state(), "in " + s);
        }
    }

    /**
     * A refused connection (SASL_AUTHENTICATION_FAILED: non-retriable, with a code) fails the call that met
     * it and changes no state: initTransactions() may be called again, a commit or abort finished by the
     * same call (Skein departs from Apache Kafka's producer here, which makes it fatal).
     */
    @Test
    void anAuthenticationFailureChangesNothingAndInitMayBeCalledAgain() {
        for (State s : State.values()) {
            TxnState t = in(s);
            t.failed(new dev.skein.core.errors.AuthenticationException("refused", ErrorCode.SASL_AUTHENTICATION_FAILED));
            assertEquals(s, t.state(), "in " + s);
        }
        TxnState t = in(INITIALIZING);
        t.failed(new dev.skein.core.errors.AuthenticationException("refused", ErrorCode.SASL_AUTHENTICATION_FAILED));
        t.initFailed();
        t.startInit();
        assertEquals(INITIALIZING, t.state(), "initTransactions() called again");
    }

    @Test
    void aFenceOrANonRetriableCodedErrorIsFatalFromEveryState() {
        RuntimeException fatal = new TransactionException("INVALID_TXN_STATE", ErrorCode.INVALID_TXN_STATE);
        for (State s : State.values()) {
            TxnState t = in(s);
            t.failed(fatal);
            assertEquals(FATAL_ERROR, t.state(), "from " + s);
            if (s != FATAL_ERROR) {
                assertSame(fatal, t.error());
            }
        }
    }

    @Test
    void aFatalErrorIsFinal() {
        TxnState t = in(IN_TRANSACTION);
        t.failed(FENCED);
        t.failed(new TransactionAbortableException("later", null));
        t.failed(new TransactionException("another", ErrorCode.INVALID_PRODUCER_ID_MAPPING));
        t.recordFailed(RECORD_LOST);
        t.initFailed();
        t.initialized();
        t.finished();
        assertEquals(FATAL_ERROR, t.state());
        assertSame(FENCED, t.error(), "the first fatal error stays the error");
        assertSame(FENCED, t.cannotCommit());
        assertFalse(t.maySend());
        for (Consumer<TxnState> call : List.<Consumer<TxnState>>of(TxnState::startInit, TxnState::begin,
                TxnState::checkSend, x -> x.startEnd(true), x -> x.startEnd(false))) {
            assertSame(FENCED, assertThrows(RuntimeException.class, () -> call.accept(t)));
        }
    }

    @Test
    void aFailedInitMayBeCalledAgain() {
        TxnState t = in(INITIALIZING);
        t.initFailed();
        assertEquals(UNINITIALIZED, t.state());
        t.startInit();
        t.initialized();
        assertEquals(READY, t.state());
    }

    @Test
    void batchesLeaveOnlyWhileTheTransactionCanCommit() {
        Map<State, Boolean> maySend = new EnumMap<>(State.class);
        for (State s : State.values()) {
            maySend.put(s, in(s).maySend());
        }
        assertEquals(Map.of(UNINITIALIZED, false, INITIALIZING, false, READY, false, IN_TRANSACTION, true,
                COMMITTING, true, ABORTING, false, ABORTABLE_ERROR, false, FATAL_ERROR, false), maySend);
        for (State s : State.values()) {
            TxnState t = in(s);
            assertEquals(s == ABORTABLE_ERROR || s == FATAL_ERROR, t.cannotCommit() != null, "cannotCommit in " + s);
            assertEquals(s == IN_TRANSACTION || s == COMMITTING || s == ABORTING || s == ABORTABLE_ERROR,
                    t.inTransaction(), "inTransaction in " + s);
        }
    }

    @Test
    void theAgeIsCountedFromTheFirstJoinOnTheCallersClock() {
        TxnState t = in(READY);
        t.begin();
        assertFalse(t.olderThan(1_000_000, 10), "nothing joined: no age");
        t.joined(100);
        t.joined(500); // a later join does not restart the clock
        assertFalse(t.olderThan(110, 10));
        assertTrue(t.olderThan(111, 10));
        t.startEnd(true);
        t.finished();
        assertFalse(t.olderThan(1_000_000, 10), "the next transaction has no age until something joins");
    }

    @Test
    void anAbortableErrorIsClearedByTheAbort() {
        TxnState t = in(ABORTABLE_ERROR);
        assertInstanceOf(TransactionAbortableException.class, t.error());
        assertTrue(t.startEnd(false));
        t.finished();
        assertEquals(READY, t.state());
        assertNull(t.error());
        assertNull(t.cannotCommit());
    }
}
