package dev.skein.core.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * A request being encoded that holds its record batches by reference rather than by copy: each batch
 * {@link Wire#writeRecords} is given becomes a part of its own (a retained slice of the batch's
 * buffer), after the bytes written so far, and the fields after it go to the next part. Netty hands
 * the parts to the socket in one gathering write, so a Produce request's batches go from the
 * producer's buffers to the kernel without the copy into one request buffer, nor the copies that
 * buffer's doubling made as it grew past each batch.
 *
 * <p>The batches must not change while the request is alive. The producer rewrites a batch's producer
 * state only to send it again, after the request that held it has been answered or has failed, and a
 * request fails only once its connection is closed, which discards its unwritten bytes.
 */
public final class RequestBuffer extends CompositeByteBuf {
    /** Batches smaller than this are copied: a part costs more than copying a few hundred bytes. */
    static final int SPLICE_MIN = 1024;
    /** Room for the fields between two batches (a partition's index, a topic's name, lengths). */
    private static final int ROOM = 256;

    public RequestBuffer(ByteBufAllocator alloc) {
        super(alloc, true, Integer.MAX_VALUE);
        room();
    }

    /** Appends the readable bytes of {@code records} by reference, retained until this buffer is released. */
    void splice(ByteBuf records) {
        capacity(writerIndex()); // the last part's unwritten room would otherwise lie before the batch
        addComponent(true, records.retainedSlice());
        room();
    }

    /**
     * A part to write into, with its room counted as capacity but not written: a composite buffer that
     * grows on its own adds a part as large as all before it (a batch included) for the next few bytes.
     */
    private void room() {
        ByteBuf part = alloc().directBuffer(ROOM, ROOM);
        addComponent(false, part.writerIndex(ROOM));
    }
}
