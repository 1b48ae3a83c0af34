package dev.skein.producer.internal;

/**
 * What one topic's batches compress to, so that {@code batch.size} bounds a batch as it is sent
 * (compressed), as it does in Apache Kafka's producer, rather than the records before compression: a
 * batch is compressed only when it leaves, so how many records fit is an estimate. Without it a
 * producer compressing text to a third would send batches of a third of {@code batch.size}, and zstd,
 * whose ratio improves with the size of what it compresses, would compress worse as well.
 *
 * <p>The rule (the reference's, in spirit; the steps are this producer's own): the estimate starts at
 * 1, a batch takes records until their uncompressed size times the estimate plus a twentieth reaches
 * the batch size, and each built batch moves the estimate toward what it compressed to: at once up
 * when it compressed worse (at least by {@link #WORSE_STEP}, so a batch that grew too large is not
 * followed by another), and down by a quarter of the difference when better, so a run of unusually
 * small batches does not make the next ones too large. A batch the broker refused as too large resets
 * it to 1. Never fewer uncompressed bytes than {@code batch.size}, and at most {@link #MAX_GROWTH}
 * times it (memory is reserved for the uncompressed records) and {@code max.request.size}, which
 * Apache Kafka documents as in effect a cap on a batch before compression: so that a batch built
 * while data compressed well still about fits in a request when the data no longer compresses.
 *
 * <p>Written by the sender loop as it builds batches, read by the sending threads as they start batches.
 */
final class CompressionRatio {
    /** The margin over the estimate, for a batch that compresses a little worse than the last ones. */
    static final double MARGIN = 1.05;
    /** The least the estimate rises when a batch compressed worse than estimated. */
    static final float WORSE_STEP = 0.05f;
    /** The most uncompressed bytes a batch takes, in multiples of {@code batch.size}. */
    static final int MAX_GROWTH = 16;

    private final int batchSize;
    private final int maxBytes;
    private volatile float estimate = 1f;
    /** The uncompressed bytes a batch takes at the current estimate, computed when it changes. */
    private volatile int limit;

    /**
     * @param batchSize      {@code batch.size}
     * @param bufferBytes    {@code buffer.memory}: a batch at this limit reserves what it may grow to,
     *                       so at most a quarter of it (and never less than {@code batch.size})
     * @param maxRequestSize {@code max.request.size}: the most a batch may grow to (unless {@code batch.size} is more)
     */
    CompressionRatio(int batchSize, long bufferBytes, int maxRequestSize) {
        this.batchSize = batchSize;
        long most = Math.min(Math.min((long) batchSize * MAX_GROWTH, maxRequestSize),
                Math.min(Integer.MAX_VALUE / 2, bufferBytes / 4));
        this.maxBytes = (int) Math.max(batchSize, most);
        this.limit = limitFor(1f);
    }

    /** How many uncompressed bytes (batch header included) a new batch may take. */
    int batchLimit() {
        return limit;
    }

    float estimate() {
        return estimate;
    }

    /**
     * What {@code uncompressed} record bytes are estimated to take once compressed, with the same margin
     * as {@link #batchLimit()}: a batch that reached its limit is estimated at about {@code batch.size}.
     */
    int compressedSize(int uncompressed) {
        return (int) (uncompressed * (estimate * MARGIN));
    }

    /** A batch of {@code uncompressed} record bytes was built into {@code compressed} (both without the batch header). */
    void observe(long compressed, long uncompressed) {
        if (uncompressed <= 0) {
            return;
        }
        float seen = (float) compressed / uncompressed;
        float e = estimate;
        float next = seen > e ? Math.max(seen, e + WORSE_STEP) : e - (e - seen) / 4;
        set(next);
    }

    /** The broker refused a batch as too large: batches go back to {@code batch.size} before compression. */
    void reset() {
        set(Math.max(1f, estimate));
    }

    private void set(float e) {
        estimate = e;
        limit = limitFor(e);
    }

    private int limitFor(float e) {
        double bytes = batchSize / (e * MARGIN);
        return (int) Math.max(batchSize, Math.min(maxBytes, bytes));
    }
}
