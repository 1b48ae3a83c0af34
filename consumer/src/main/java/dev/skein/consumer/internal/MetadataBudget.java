package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * How long the done-offsets metadata of a parallel processor's commits may be. The broker's cap
 * ({@code offset.metadata.max.bytes}, 4096 by default) is not known to a client: a broker set below what
 * is written refuses the commit (OFFSET_METADATA_TOO_LARGE), and committing the same again would fail for
 * ever. After such a refusal the partitions of that commit are committed next with the plain offset (no
 * metadata: always accepted, and always safe, as it says nothing is done above the offset), and every
 * commit after that with half the length, down to none. Not thread-safe (the polling thread's).
 */
public final class MetadataBudget {
    /** Below this the metadata could describe next to nothing: none at all. */
    static final int SMALLEST = 32;

    private int maxChars;
    private final Set<TopicPartition> plainNext = new HashSet<>();

    public MetadataBudget(int maxChars) {
        this.maxChars = maxChars;
    }

    /** The most characters of metadata {@code tp}'s next commit may carry (0: none). */
    public int next(TopicPartition tp) {
        return plainNext.contains(tp) ? 0 : maxChars;
    }

    /** The broker refused a commit of {@code tps} for its metadata: they go plain next, and all go shorter after. */
    public void refused(Collection<TopicPartition> tps) {
        plainNext.addAll(tps);
        maxChars = maxChars / 2 < SMALLEST ? 0 : maxChars / 2;
    }

    /** The broker took a commit of {@code tps}. */
    public void accepted(Collection<TopicPartition> tps) {
        plainNext.removeAll(tps);
    }

    /** True when {@code failure}, or one of its causes, is the broker's OFFSET_METADATA_TOO_LARGE. */
    public static boolean tooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SkeinException s && s.errorCode() == ErrorCode.OFFSET_METADATA_TOO_LARGE) {
                return true;
            }
        }
        return false;
    }
}
