package dev.skein.consumer;

import dev.skein.core.errors.SkeinException;

/** Offsets could not be committed: the member lost its partitions (stale generation, rebalance) or the coordinator refused. The records since the last commit may be delivered again to whoever owns the partitions now. */
public class CommitFailedException extends SkeinException {
    public CommitFailedException(String message) {
        super(message);
    }

    public CommitFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
