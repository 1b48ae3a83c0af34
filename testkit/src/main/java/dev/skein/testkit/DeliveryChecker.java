package dev.skein.testkit;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Judges a test's whole history of producing and consuming against what a delivery guarantee
 * promises, the way Apache Kafka's system tests validate delivery and Jepsen's queue workload checks
 * a log: producers report what they were told, consumers what they received, and {@link #check()}
 * reports, per partition, every broken promise.
 *
 * <p>Records are known by their value: give every record a value unique in the test (say
 * {@code "p1-000042"}). The checker does not talk to Kafka and works with any client.
 *
 * <pre>{@code
 * DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_LEAST_ONCE);
 * // producer side
 * checker.sent("producer-1", value);
 * producer.send(record).whenComplete((md, e) -> {
 *     if (e == null) checker.acknowledged(value, md.topic(), md.partition(), md.offset());
 *     else if (e is "outcome unknown") checker.outcomeUnknown(value);
 *     else checker.failed(value);
 * });
 * // consumer side (in the rebalance listener and the poll loop)
 * checker.assigned("member-1", generation, "orders", partition);
 * checker.received("member-1", generation, r.topic(), r.partition(), r.offset(), r.value());
 * checker.committed("member-1", "orders", partition, offset);
 * checker.revoked("member-1", "orders", partition);
 * // at the end
 * checker.check().assertOk();   // or inspect check().violations()
 * }</pre>
 *
 * <p>What it finds, per partition (each a {@link Kind}):
 * <ul>
 *   <li>{@link Kind#LOST}: acknowledged (or committed in a transaction) but never read;</li>
 *   <li>{@link Kind#READ_TWICE}: one record (one offset) delivered more than once;</li>
 *   <li>{@link Kind#WRITTEN_TWICE}: one value at two offsets (the producer wrote it twice);</li>
 *   <li>{@link Kind#OUT_OF_ORDER}: two records of one producer in one partition in the log in the
 *       opposite order to the one they were sent in;</li>
 *   <li>{@link Kind#TWO_VALUES_AT_ONE_OFFSET}: consumers disagree on what an offset holds;</li>
 *   <li>{@link Kind#OFFSET_MISMATCH}: a record read at another offset than the one acknowledged;</li>
 *   <li>{@link Kind#NOT_OWNED}: a record returned to a member for a partition it did not own;</li>
 *   <li>{@link Kind#COMMIT_NOT_OWNED}: a commit for a partition the member did not own;</li>
 *   <li>{@link Kind#COMMIT_SKIPS}: a commit past an acknowledged record no one had read yet;</li>
 *   <li>{@link Kind#ABORTED_READ}, {@link Kind#OPEN_READ}: a record of an aborted or still open
 *       transaction read (with {@link #readCommitted()});</li>
 *   <li>{@link Kind#FAILED_BUT_WRITTEN}: read although its producer was told it was not written;</li>
 *   <li>{@link Kind#UNKNOWN_VALUE}: read a value no producer reported sending.</li>
 * </ul>
 * Which of them break a promise depends on the guarantee: at-least-once allows reading twice, and
 * at-most-once allows losing (and committing past unread records). Everything found is in the report,
 * allowed or not. All methods are thread-safe; record events in the order they happen.
 */
public final class DeliveryChecker {
    /** What the test promises. */
    public enum Guarantee {
        /** Nothing read twice; records may be lost (a crash between commit and processing). */
        AT_MOST_ONCE,
        /** Nothing acknowledged is lost; records may be read more than once. */
        AT_LEAST_ONCE,
        /** Nothing lost, nothing read or written twice. */
        EXACTLY_ONCE
    }

    /** What went wrong. */
    public enum Kind {
        LOST, READ_TWICE, WRITTEN_TWICE, OUT_OF_ORDER, TWO_VALUES_AT_ONE_OFFSET, OFFSET_MISMATCH, NOT_OWNED,
        COMMIT_NOT_OWNED, COMMIT_SKIPS, ABORTED_READ, OPEN_READ, FAILED_BUT_WRITTEN, UNKNOWN_VALUE
    }

    /** A topic partition. */
    public record Partition(String topic, int partition) {
        @Override
        public String toString() {
            return topic + "-" + partition;
        }
    }

    /** One finding: what, where, and whether the guarantee allows it. */
    public record Violation(Kind kind, Partition partition, String detail, boolean allowed) {
        @Override
        public String toString() {
            return partition + " " + kind + (allowed ? " (allowed)" : "") + ": " + detail;
        }
    }

    /** The verdict on a history. */
    public record Report(Guarantee guarantee, List<Violation> violations, Map<String, Long> counts) {
        /** True when nothing the guarantee forbids happened. */
        public boolean ok() {
            return violations.stream().allMatch(Violation::allowed);
        }

        /** The findings the guarantee forbids. */
        public List<Violation> broken() {
            return violations.stream().filter(v -> !v.allowed()).toList();
        }

        /** The findings of one kind, allowed or not. */
        public List<Violation> of(Kind kind) {
            return violations.stream().filter(v -> v.kind() == kind).toList();
        }

        /** Throws an {@link AssertionError} naming every broken promise (at most 20 of each kind). */
        public void assertOk() {
            if (!ok()) {
                throw new AssertionError(toString());
            }
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("delivery check (" + guarantee + "): "
                    + (ok() ? "ok" : broken().size() + " broken promise(s)") + " " + counts);
            Map<Kind, Integer> shown = new HashMap<>();
            for (Violation v : violations) {
                int n = shown.merge(v.kind(), 1, Integer::sum);
                if (n <= 20) {
                    b.append("\n  ").append(v);
                } else if (n == 21) {
                    b.append("\n  ... more ").append(v.kind());
                }
            }
            return b.toString();
        }
    }

    private static final class Sent {
        final String producer;
        final long sequence;
        final String transaction;
        String fate = "pending"; // pending, acknowledged, failed, unknown
        Partition ackedAt;
        long ackedOffset = -1;
        String transactionOutcome; // null (not transactional), open, committed, aborted

        Sent(String producer, long sequence, String transaction) {
            this.producer = producer;
            this.sequence = sequence;
            this.transaction = transaction;
            this.transactionOutcome = transaction == null ? null : "open";
        }
    }

    private record Read(String member, int generation, Partition partition, long offset, String value, boolean owned) {}

    private final Guarantee guarantee;
    private boolean readCommitted;
    private boolean idempotent = true;
    private final Map<String, Sent> sent = new HashMap<>();
    private final Map<String, Long> sequences = new HashMap<>();
    /** Producer to its open transaction's values. */
    private final Map<String, List<String>> openTransactions = new HashMap<>();
    private final Map<String, Integer> transactionCounter = new HashMap<>();
    private final List<Read> reads = new ArrayList<>();
    private final Map<String, Set<Partition>> owned = new HashMap<>();
    private final Map<Partition, TreeMap<Long, String>> acknowledgedByOffset = new HashMap<>();
    private final Set<String> everRead = new HashSet<>();
    private final List<Violation> commitViolations = new ArrayList<>();
    private long commits;

    private DeliveryChecker(Guarantee guarantee) {
        this.guarantee = guarantee;
    }

    /** A checker for a history that promises {@code guarantee}. */
    public static DeliveryChecker expecting(Guarantee guarantee) {
        return new DeliveryChecker(guarantee);
    }

    /**
     * The consumers read with {@code isolation.level=read_committed}: a record of an aborted or open
     * transaction must never be read, and a transactional record counts as promised once committed.
     */
    public synchronized DeliveryChecker readCommitted() {
        this.readCommitted = true;
        return this;
    }

    /**
     * The producers are not idempotent: a retry may write a record twice, which is then reported as
     * allowed (at-least-once) rather than broken.
     */
    public synchronized DeliveryChecker producersNotIdempotent() {
        this.idempotent = false;
        return this;
    }

    // ---- producers ----

    /**
     * {@code producer} is sending {@code value} (call before {@code send}, in send order: the order
     * check compares the log with it). Inside {@link #beginTransaction} it joins that transaction.
     */
    public synchronized void sent(String producer, String value) {
        if (sent.containsKey(value)) {
            throw new IllegalArgumentException("value " + value + " was sent before: every record needs a value of its own");
        }
        long seq = sequences.merge(producer, 1L, Long::sum);
        List<String> txn = openTransactions.get(producer);
        String txnName = txn == null ? null : producer + "#" + transactionCounter.get(producer);
        sent.put(value, new Sent(producer, seq, txnName));
        if (txn != null) {
            txn.add(value);
        }
    }

    /** The producer was told {@code value} is written at {@code offset}. */
    public synchronized void acknowledged(String value, String topic, int partition, long offset) {
        Sent s = require(value);
        s.fate = "acknowledged";
        s.ackedAt = new Partition(topic, partition);
        s.ackedOffset = offset;
        acknowledgedByOffset.computeIfAbsent(s.ackedAt, p -> new TreeMap<>()).put(offset, value);
    }

    /** The producer was told {@code value} was not written (a definite failure). */
    public synchronized void failed(String value) {
        require(value).fate = "failed";
    }

    /** The producer could not know whether {@code value} was written (a timeout, a lost response). */
    public synchronized void outcomeUnknown(String value) {
        require(value).fate = "unknown";
    }

    /** {@code producer} began a transaction: the values it sends until commit or abort belong to it. */
    public synchronized void beginTransaction(String producer) {
        if (openTransactions.containsKey(producer)) {
            throw new IllegalStateException(producer + " has a transaction open already");
        }
        openTransactions.put(producer, new ArrayList<>());
        transactionCounter.merge(producer, 1, Integer::sum);
    }

    /** {@code producer}'s transaction committed: its values are promised. */
    public synchronized void commitTransaction(String producer) {
        endTransaction(producer, "committed");
    }

    /** {@code producer}'s transaction aborted: its values must never be read by read_committed consumers. */
    public synchronized void abortTransaction(String producer) {
        endTransaction(producer, "aborted");
    }

    private void endTransaction(String producer, String outcome) {
        List<String> values = openTransactions.remove(producer);
        if (values == null) {
            throw new IllegalStateException(producer + " has no transaction open");
        }
        values.forEach(v -> sent.get(v).transactionOutcome = outcome);
    }

    // ---- consumers ----

    /** {@code member} now owns these partitions (the rebalance listener's onPartitionsAssigned, or assign()). */
    public synchronized void assigned(String member, int generation, String topic, int... partitions) {
        Set<Partition> mine = owned.computeIfAbsent(member, m -> new HashSet<>());
        for (int p : partitions) {
            mine.add(new Partition(topic, p));
        }
    }

    /** {@code member} gave these partitions up (revoked or lost). */
    public synchronized void revoked(String member, String topic, int... partitions) {
        Set<Partition> mine = owned.computeIfAbsent(member, m -> new HashSet<>());
        for (int p : partitions) {
            mine.remove(new Partition(topic, p));
        }
    }

    /** {@code member} gave up every partition (closed, lost its membership). */
    public synchronized void revokedAll(String member) {
        owned.remove(member);
    }

    /** {@code poll()} returned this record to {@code member} (call once per record returned, in order). */
    public synchronized void received(String member, int generation, String topic, int partition, long offset, String value) {
        Partition p = new Partition(topic, partition);
        boolean mine = owned.getOrDefault(member, Set.of()).contains(p);
        reads.add(new Read(member, generation, p, offset, value, mine));
        everRead.add(value);
    }

    /** {@code member} committed {@code offset} (the next offset to read) for the partition. */
    public synchronized void committed(String member, String topic, int partition, long offset) {
        commits++;
        Partition p = new Partition(topic, partition);
        if (!owned.getOrDefault(member, Set.of()).contains(p)) {
            commitViolations.add(new Violation(Kind.COMMIT_NOT_OWNED, p, member + " committed offset " + offset
                    + " while not owning the partition", false));
        }
        TreeMap<Long, String> acked = acknowledgedByOffset.getOrDefault(p, new TreeMap<>());
        List<String> skipped = new ArrayList<>();
        for (Map.Entry<Long, String> e : acked.headMap(offset).entrySet()) {
            Sent s = sent.get(e.getValue());
            boolean mayBeHidden = readCommitted && s.transactionOutcome != null && !s.transactionOutcome.equals("committed");
            if (!everRead.contains(e.getValue()) && !mayBeHidden) {
                skipped.add(e.getValue() + "@" + e.getKey());
            }
        }
        if (!skipped.isEmpty()) {
            commitViolations.add(new Violation(Kind.COMMIT_SKIPS, p, member + " committed offset " + offset + " past "
                    + skipped.size() + " acknowledged record(s) no one had read: " + first(skipped),
                    guarantee == Guarantee.AT_MOST_ONCE));
        }
    }

    // ---- the verdict ----

    /** Judges the history recorded so far. */
    public synchronized Report check() {
        List<Violation> out = new ArrayList<>(commitViolations);
        Map<String, List<Read>> byValue = new LinkedHashMap<>();
        Map<Partition, Map<Long, String>> valueAt = new HashMap<>();
        for (Read r : reads) {
            byValue.computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r);
            String before = valueAt.computeIfAbsent(r.partition(), x -> new HashMap<>()).putIfAbsent(r.offset(), r.value());
            if (before != null && !before.equals(r.value())) {
                out.add(new Violation(Kind.TWO_VALUES_AT_ONE_OFFSET, r.partition(), "offset " + r.offset() + " read as "
                        + before + " and as " + r.value(), false));
            }
            if (!r.owned()) {
                out.add(new Violation(Kind.NOT_OWNED, r.partition(), r.value() + "@" + r.offset() + " returned to "
                        + r.member() + " (generation " + r.generation() + "), which did not own the partition", false));
            }
        }
        for (Map.Entry<String, List<Read>> e : byValue.entrySet()) {
            String value = e.getKey();
            List<Read> rs = e.getValue();
            Read first = rs.get(0);
            Sent s = sent.get(value);
            if (s == null) {
                out.add(new Violation(Kind.UNKNOWN_VALUE, first.partition(), value + "@" + first.offset()
                        + " was read but no producer reported sending it", false));
                continue;
            }
            Set<Long> offsets = new TreeSet<>();
            rs.forEach(r -> offsets.add(r.offset()));
            if (offsets.size() > 1) {
                out.add(new Violation(Kind.WRITTEN_TWICE, first.partition(), value + " is at offsets " + offsets,
                        !idempotent && guarantee == Guarantee.AT_LEAST_ONCE));
            }
            if (rs.size() > offsets.size()) {
                out.add(new Violation(Kind.READ_TWICE, first.partition(), value + "@" + first.offset() + " read "
                        + rs.size() + " times (by " + rs.stream().map(Read::member).toList() + ")",
                        guarantee == Guarantee.AT_LEAST_ONCE));
            }
            if (s.ackedOffset >= 0 && (!offsets.contains(s.ackedOffset) || !first.partition().equals(s.ackedAt))) {
                out.add(new Violation(Kind.OFFSET_MISMATCH, first.partition(), value + " acknowledged at " + s.ackedAt
                        + "@" + s.ackedOffset + " but read at " + first.partition() + "@" + offsets, false));
            }
            if (s.fate.equals("failed")) {
                out.add(new Violation(Kind.FAILED_BUT_WRITTEN, first.partition(), value + "@" + first.offset()
                        + " was read, but its producer was told it failed", false));
            }
            if (readCommitted && s.transactionOutcome != null && !s.transactionOutcome.equals("committed")) {
                out.add(new Violation(s.transactionOutcome.equals("aborted") ? Kind.ABORTED_READ : Kind.OPEN_READ,
                        first.partition(), value + "@" + first.offset() + " of " + s.transactionOutcome + " transaction "
                        + s.transaction + " was read", false));
            }
        }
        // Loss: promised, never read.
        Map<Partition, List<String>> lost = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        for (Map.Entry<String, Sent> e : sent.entrySet()) {
            Sent s = e.getValue();
            boolean promised = s.fate.equals("acknowledged") && (!readCommitted || s.transactionOutcome == null
                    || s.transactionOutcome.equals("committed"));
            if (promised && !everRead.contains(e.getKey())) {
                lost.computeIfAbsent(s.ackedAt, p -> new ArrayList<>()).add(e.getKey() + "@" + s.ackedOffset);
            }
        }
        lost.forEach((p, values) -> {
            values.sort(null);
            out.add(new Violation(Kind.LOST, p, values.size() + " acknowledged record(s) never read: " + first(values),
                    guarantee == Guarantee.AT_MOST_ONCE));
        });
        // Order: per partition and producer, log order must be send order.
        Map<Partition, TreeMap<Long, String>> log = new HashMap<>();
        for (Read r : reads) {
            log.computeIfAbsent(r.partition(), p -> new TreeMap<>()).putIfAbsent(r.offset(), r.value());
        }
        log.forEach((p, byOffset) -> {
            Map<String, long[]> lastSeq = new HashMap<>(); // producer -> {sequence, offset}
            Set<String> placed = new HashSet<>(); // a value written twice is judged at its first offset
            for (Map.Entry<Long, String> e : byOffset.entrySet()) {
                Sent s = sent.get(e.getValue());
                if (s == null || !placed.add(e.getValue())) {
                    continue;
                }
                long[] last = lastSeq.get(s.producer);
                if (last != null && s.sequence < last[0]) {
                    out.add(new Violation(Kind.OUT_OF_ORDER, p, e.getValue() + "@" + e.getKey() + " (sent #" + s.sequence
                            + " by " + s.producer + ") is after #" + last[0] + " at offset " + last[1] + " in the log", false));
                } else {
                    lastSeq.put(s.producer, new long[] {s.sequence, e.getKey()});
                }
            }
        });
        Map<String, Long> counts = counts();
        return new Report(guarantee, List.copyOf(out), counts);
    }

    /**
     * How much happened so far, cheaper than {@link #check()} (tests wait on it): sent, acknowledged,
     * failed, unknown, reads, distinct_read, commits.
     */
    public synchronized Map<String, Long> counts() {
        long acked = 0;
        long failed = 0;
        long unknown = 0;
        for (Sent s : sent.values()) {
            switch (s.fate) {
                case "acknowledged" -> acked++;
                case "failed" -> failed++;
                case "unknown" -> unknown++;
                default -> { }
            }
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("sent", (long) sent.size());
        counts.put("acknowledged", acked);
        counts.put("failed", failed);
        counts.put("unknown", unknown);
        counts.put("reads", (long) reads.size());
        counts.put("distinct_read", (long) everRead.size());
        counts.put("commits", commits);
        return counts;
    }

    private Sent require(String value) {
        Sent s = sent.get(value);
        if (s == null) {
            throw new IllegalArgumentException("value " + value + " was never reported sent (call sent() first)");
        }
        return s;
    }

    private static String first(Collection<String> values) {
        List<String> l = new ArrayList<>(values);
        return l.size() <= 10 ? l.toString() : l.subList(0, 10) + " and " + (l.size() - 10) + " more";
    }
}
