package dev.skein.core.internal.net;

import dev.skein.core.message.ApiKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The buffer a Produce request is encoded into: the record batches it carries are not copied into it
 * but spliced in, each as a retained slice of the batch's own buffer, and the socket write gathers the
 * pieces. The bytes are the same as those of a request encoded into one buffer.
 *
 * <p>Encoding a Produce request into one growing buffer copied every batch once into it and, as the
 * buffer doubled from its first 256 bytes, again into each larger buffer: 9% of the producer's event
 * loop in a {@code perf} profile at 100-byte records. The generated codecs write a {@code records} field with
 * {@link ByteBuf#writeBytes(ByteBuf, int, int)}, which this class overrides; every other write lands in
 * pieces of its own memory ({@link #ROOM} bytes after each splice, more than a Produce request writes
 * between two batches: a partition index, a length and tagged fields, or a topic's name and id). Room
 * left unwritten at the end is not sent: a write takes a buffer's readable bytes.
 *
 * <p>The batches' bytes must not change until the write has completed. They do not: a batch is
 * rewritten (new producer state) only for a retry, after its request has failed or been answered, and a
 * request that timed out closes its connection, which drops its unwritten bytes.
 */
final class SplicingBuffer extends CompositeByteBuf {
    /** Batches smaller than this are copied: a slice costs more than copying a few hundred bytes. */
    static final int SPLICE_MIN = 1024;
    static final int ROOM = 512;

    private SplicingBuffer(ByteBufAllocator alloc) {
        super(alloc, true, Integer.MAX_VALUE); // never consolidated, which would copy everything
        addRoom(ROOM);
    }

    /** The buffer to encode a request of {@code api} into: a splicing one for Produce, else a plain one. */
    static ByteBuf forRequest(ApiKey api, ByteBufAllocator alloc) {
        return api == ApiKey.PRODUCE ? new SplicingBuffer(alloc) : alloc.buffer();
    }

    @Override
    public CompositeByteBuf writeBytes(ByteBuf src, int srcIndex, int length) {
        if (length >= SPLICE_MIN) {
            capacity(writerIndex()); // the room left unwritten is cut off, so the slice follows the bytes so far
            addComponent(true, src.retainedSlice(srcIndex, length));
            addRoom(ROOM);
        } else {
            if (writableBytes() < length) {
                // Room for the copy and what follows it. Left to itself the buffer would grow by doubling its
                // capacity, batches spliced in included: a piece as large as the request for a few bytes.
                capacity(writerIndex());
                addRoom(length + ROOM);
            }
            super.writeBytes(src, srcIndex, length);
        }
        return this;
    }

    private void addRoom(int bytes) {
        ByteBuf room = alloc().directBuffer(bytes, bytes);
        room.writerIndex(bytes); // a component's length is its readable bytes
        addComponent(false, room);
    }
}
