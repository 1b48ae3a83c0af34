package dev.skein.producer.internal;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.SkeinException;
import dev.skein.producer.TransactionAbortableException;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A transactional producer's state and the rules of its transitions, with no I/O and no clock of its
 * own: the application's calls, the coordinator's verdicts and the fates of records go in; what may
 * happen next, and what the application must do, come out. {@link TransactionManager} sends the
 * requests around it.
 *
 * <p>The rules (those of Apache Kafka's producer, as its documentation and KIP-98, KIP-360, KIP-654,
 * KIP-890 and KIP-1050 describe them):
 * <ul>
 *   <li>Calls come in order: {@code initTransactions()} once, then {@code beginTransaction()}, sends,
 *       and {@code commitTransaction()} or {@code abortTransaction()}. A call out of order is an
 *       {@link IllegalStateException} and changes nothing.</li>
 *   <li>A fatal error is final: every later call throws it, and no later answer changes the state. An
 *       authentication failure is not one: it fails the call that met it, which may be made again.</li>
 *   <li>After an abortable error the transaction can only be aborted; a commit throws the error.</li>
 *   <li>A commit or abort that did not finish (it timed out) is finished by the same call: the other
 *       one is refused, since the first may already have reached the coordinator.</li>
 *   <li>A call the application gave up waiting for ({@code max.block.ms}) is still under way: called
 *       again, it waits for the same result rather than starting a second one, and any other call is
 *       refused until that result has been seen (Apache Kafka's handleCachedTransactionRequestResult).
 *       A second EndTxn(commit) would reach the coordinator after the first committed; a second
 *       InitProducerId would find the first one's call still running.</li>
 *   <li>EndTxn is due only when something joined the transaction at the coordinator; otherwise the
 *       transaction ends without it, once nothing is on its way to join ({@link TxnRequests} decides).</li>
 * </ul>
 *
 * <p>Threads: the state is read without a lock by the application's threads ({@link #checkSend()}) and
 * the sender's loop; every transition holds this object's lock, so a transition made on the caller's
 * thread ({@link #begin()}) cannot overwrite one the loop made meanwhile (a fatal error).
 */
final class TxnState {
    enum State { UNINITIALIZED, INITIALIZING, READY, IN_TRANSACTION, COMMITTING, ABORTING, ABORTABLE_ERROR, FATAL_ERROR }

    private final String transactionalId;
    private volatile State state = State.UNINITIALIZED;
    private volatile RuntimeException error;
    /** Something joined the transaction at the coordinator (a partition or offsets): EndTxn is due. */
    private boolean joined;
    private long joinedNanos;
    /** The call whose result the application has not seen yet (see {@link #call}), or null. */
    private Pending pending;

    private record Pending(String call, CompletableFuture<Void> result) {}

    TxnState(String transactionalId) {
        this.transactionalId = transactionalId;
    }

    State state() {
        return state;
    }

    /** The error that put the producer in an abortable or fatal state, or null. */
    RuntimeException error() {
        return error;
    }

    /** True between beginTransaction() and the end of commit or abort. */
    boolean inTransaction() {
        State s = state;
        return s == State.IN_TRANSACTION || s == State.COMMITTING || s == State.ABORTING || s == State.ABORTABLE_ERROR;
    }

    /** True when batches may be drained now (inside a transaction, not aborting, not in error). */
    boolean maySend() {
        State s = state;
        return s == State.IN_TRANSACTION || s == State.COMMITTING;
    }

    /** Why the open transaction can no longer commit (an abortable or fatal error), or null. */
    RuntimeException cannotCommit() {
        State s = state;
        return s == State.ABORTABLE_ERROR || s == State.FATAL_ERROR ? error : null;
    }

    boolean joined() {
        return joined;
    }

    /** True when something joined the transaction more than {@code timeoutNanos} before {@code nowNanos}. */
    boolean olderThan(long nowNanos, long timeoutNanos) {
        return joined && nowNanos - joinedNanos > timeoutNanos;
    }

    // ---- the application's calls ----

    /**
     * Starts {@code call} ({@code "commitTransaction()"}, say) through {@code start}, which must not
     * block, or hands back its result when the application gave up waiting for it and calls it again.
     * The result stays pending until {@link #seen}.
     *
     * @throws IllegalStateException when another call's result is pending: that call must be made again first
     */
    synchronized CompletableFuture<Void> call(String call, Supplier<CompletableFuture<Void>> start) {
        if (resumes(call)) {
            return pending.result();
        }
        CompletableFuture<Void> result = start.get();
        pending = new Pending(call, result);
        return result;
    }

    /**
     * True when {@code call} is pending (it would resume, not start again); false when nothing is.
     *
     * @throws IllegalStateException when another call's result is pending
     */
    synchronized boolean resumes(String call) {
        Pending p = pending;
        if (p == null) {
            return false;
        }
        if (!p.call().equals(call)) {
            throw refusal(call, p);
        }
        return true;
    }

    /**
     * Refuses {@code call} (beginTransaction(), sendOffsetsToTransaction()) while another call's result is
     * pending: a transaction begun behind a commit that timed out would take that commit's result as its
     * own, and its records would never commit. Apache Kafka's producer refuses the same way.
     *
     * @throws IllegalStateException when a call's result is pending
     */
    synchronized void requireNoPendingCall(String call) {
        if (pending != null) {
            throw refusal(call, pending);
        }
    }

    private static IllegalStateException refusal(String call, Pending p) {
        return new IllegalStateException(call + " cannot follow " + p.call() + ", which did not finish within"
                + " max.block.ms; call " + p.call() + " again to learn its outcome (it may have finished since)");
    }

    /** The pending call's name ({@link #call}), or null. */
    synchronized String pendingCall() {
        return pending == null ? null : pending.call();
    }

    /** The application has the outcome of {@code result} (it returned or threw): the next call starts afresh. */
    synchronized void seen(CompletableFuture<Void> result) {
        if (pending != null && pending.result() == result) {
            pending = null;
        }
    }

    /** initTransactions() starts. */
    synchronized void startInit() {
        requireUsable();
        if (state != State.UNINITIALIZED) {
            throw new IllegalStateException("initTransactions() was already called (state " + state + ")");
        }
        state = State.INITIALIZING;
    }

    /** initTransactions() failed without a fatal error: the application may call it again. */
    synchronized void initFailed() {
        if (state == State.INITIALIZING) {
            state = State.UNINITIALIZED;
        }
    }

    /** The coordinator gave the producer its id and epoch. */
    synchronized void initialized() {
        if (state == State.INITIALIZING) {
            state = State.READY;
        }
    }

    /** beginTransaction(). */
    synchronized void begin() {
        requireUsable();
        if (state != State.READY) {
            throw new IllegalStateException("beginTransaction() needs a finished previous transaction and"
                    + " initTransactions() (state " + state + ")");
        }
        state = State.IN_TRANSACTION;
    }

    /** A record (or offsets) may join the transaction now; called by send() and sendOffsetsToTransaction(). */
    void checkSend() {
        requireUsable();
        State s = state;
        RuntimeException e = error; // read once: an abort finishing meanwhile clears it
        if (s == State.ABORTABLE_ERROR && e != null) {
            throw new TransactionAbortableException("the transaction of " + transactionalId + " must be aborted: "
                    + e.getMessage(), e);
        }
        if (s != State.IN_TRANSACTION) {
            throw new IllegalStateException("a transactional producer sends inside a transaction: call"
                    + " beginTransaction() first (state " + s + ")");
        }
    }

    /**
     * A commit that did not finish (it timed out: its EndTxn may have reached the coordinator) is
     * finished by committing again, never by an abort, and the other way round, as Apache Kafka's
     * producer has it: the other call would contradict what may already be done.
     */
    void requireEndMayStart(boolean commit) {
        State s = state;
        if (s == (commit ? State.ABORTING : State.COMMITTING)) {
            String started = commit ? "abortTransaction()" : "commitTransaction()";
            throw new IllegalStateException((commit ? "commitTransaction()" : "abortTransaction()") + " cannot follow "
                    + started + ", which did not finish (it may have reached the coordinator): call " + started + " again");
        }
    }

    /**
     * commitTransaction() (true) or abortTransaction() starts, or starts again after a timeout.
     *
     * @return whether EndTxn is due so far (something joined). When not, the transaction still ends only
     *     through {@link #finished()}: a partition or the group may be joining at that moment.
     */
    synchronized boolean startEnd(boolean commit) {
        requireUsable();
        requireEndMayStart(commit);
        if (commit) {
            requireCommittable();
        }
        State s = state;
        if (s != State.IN_TRANSACTION && s != State.COMMITTING && s != State.ABORTING && s != State.ABORTABLE_ERROR) {
            throw new IllegalStateException((commit ? "commitTransaction()" : "abortTransaction()")
                    + " needs an open transaction (state " + s + ")");
        }
        state = commit ? State.COMMITTING : State.ABORTING;
        return joined;
    }

    /**
     * Throws the abortable error that forbids a commit, if there is one: checked when the commit starts
     * and again just before EndTxn, since a record may fail while the commit waits for the others.
     */
    synchronized void requireCommittable() {
        RuntimeException e = error;
        if (state == State.ABORTABLE_ERROR && e != null) {
            throw new TransactionAbortableException("the transaction of " + transactionalId + " cannot commit: "
                    + e.getMessage() + "; abort it", e);
        }
    }

    /** The transaction ended (EndTxn answered, or nothing had joined): ready for the next one. */
    synchronized void finished() {
        if (state == State.FATAL_ERROR) {
            return;
        }
        joined = false;
        error = null;
        state = State.READY;
    }

    // ---- what happened ----

    /** A partition or the group's offsets joined the transaction at the coordinator. */
    synchronized void joined(long nowNanos) {
        if (!joined) {
            joined = true;
            joinedNanos = nowNanos;
        }
    }

    /** A record of the transaction was not written (an abortable cause): the transaction cannot commit. */
    synchronized void recordFailed(RuntimeException cause) {
        State s = state;
        if (s == State.IN_TRANSACTION || s == State.COMMITTING) {
            error = new TransactionAbortableException("a record of the transaction was not written: " + cause.getMessage(),
                    cause);
            state = State.ABORTABLE_ERROR;
        }
    }

    /**
     * Moves to the state an error calls for: abortable, or fatal (fenced, or a non-retriable error with a
     * code). Retriable errors change nothing (the call that met them may be repeated). Fatal is final.
     *
     * <p>Nor does an authentication failure: it is an error of the call that met it, which may be
     * called again once the client authenticates ({@code initTransactions()} from the start, a commit or
     * an abort by the same call). Apache Kafka's producer makes it fatal to a transactional producer
     * (its {@code TransactionManager.authenticationFailed} fails the pending requests as fatal); Skein
     * departs, since a refusal means the connection never carried the request (authentication precedes
     * every request on it), so nothing about the transaction is in doubt. Where a re-authentication
     * refused cut a request off, the call is as one that timed out: a commit or abort is finished by the
     * same call, and offsets that may not have joined make the transaction abortable ({@link TxnRequests}).
     */
    synchronized void failed(Throwable e) {
        if (e == null || state == State.FATAL_ERROR || e instanceof AuthenticationException) {
            return;
        }
        if (e instanceof TransactionAbortableException a) {
            if (state != State.UNINITIALIZED && state != State.INITIALIZING && state != State.READY) {
                error = a;
                state = State.ABORTABLE_ERROR;
            }
        } else if (e instanceof ProducerFencedException || (e instanceof SkeinException s && !s.isRetriable()
                && s.errorCode() != null)) {
            error = (RuntimeException) e;
            state = State.FATAL_ERROR;
        }
    }

    private void requireUsable() {
        if (state == State.FATAL_ERROR) {
            throw error;
        }
    }
}
