package dev.skein.core.internal.net;

import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.DecoderException;

/**
 * Splits the broker's byte stream into size-prefixed frames. The announced size is checked against
 * the maximum before a byte of the frame is buffered, so an oversized or bogus size costs nothing.
 * When the very first bytes are not a plausible size, it says what they look like: a TLS record
 * (a plaintext client talking to a TLS listener: {@link TlsReply}) or an HTTP response (a client
 * pointed at a web port).
 *
 * <p>Each byte is copied at most once: a frame that lies whole in one read is passed on as a slice of
 * that read's buffer, and a frame spread over reads is gathered into a buffer of exactly its announced
 * size, allocated when the size arrives. (Netty's {@code ByteToMessageDecoder} gathers into a buffer
 * that grows by doubling, so a fetch response of a few MiB was copied two or three times over on the
 * event loop: a fifth of a consumer's CPU at a few million records a second.) Where the decoder sees
 * the socket's own bytes (no TLS below it), {@link #readingIntoFrames} lets the channel read the rest
 * of such a frame from the socket straight into that buffer, and the bytes are not copied at all in
 * user space: a fetch response of some MiB arrives in a few reads of the socket. Errors are thrown
 * wrapped in a {@link DecoderException}, as that decoder did; after one, the rest of the stream is
 * dropped, since the connection is being closed.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {
    /** Emitted in place of a frame that is over the maximum; its bytes are skipped as they arrive. */
    record Oversized(int size) {}

    private final int maxFrameBytes;
    private boolean sawFrame;
    private boolean failed;
    private long discarding;
    /** The size prefix as it arrives, when a read ends inside it; {@link #headerBytes} of it so far. */
    private int header;
    private int headerBytes;
    /** The frame being gathered across reads (capacity its size), or null. */
    private ByteBuf frame;
    /** The view of {@link #frame}'s unwritten bytes last handed to the channel to read into, or null. */
    private ByteBuf readTarget;
    /** Buffers for frames of {@link #KEPT_FROM} bytes or more when the channel's allocator is the default one. */
    private final KeptBuffers kept;

    /** Frames this large or larger (fetch responses) are gathered into {@link KeptBuffers}; smaller ones into pooled buffers. */
    static final int KEPT_FROM = 64 * 1024;
    /**
     * The buffers for large frames of every connection on Netty's default allocator (Skein's default),
     * shared so that a new connection or client finds them made: in all at most the consumer's default
     * {@code skein.buffer.max.bytes}, which bounds what one consumer holds of fetch responses at once. Past it,
     * frames come from the pool as smaller ones do. Kept for the life of the JVM, as Netty's pool keeps
     * its chunks.
     */
    static final KeptBuffers SHARED = KeptBuffers.atLeast(PooledByteBufAllocator.DEFAULT, KEPT_FROM, 64L * 1024 * 1024);

    FrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, SHARED);
    }

    /** A decoder gathering large frames into {@code kept} when its channel's allocator is the default one (tests). */
    FrameDecoder(int maxFrameBytes, KeptBuffers kept) {
        this.maxFrameBytes = maxFrameBytes;
        this.kept = kept;
    }

    /**
     * The decoder for {@code ch}. When it sees the socket's own bytes ({@code plaintext}: no TLS below
     * it), the channel's receive allocator is wrapped with {@link #readingIntoFrames}.
     */
    static FrameDecoder on(Channel ch, int maxFrameBytes, boolean plaintext) {
        FrameDecoder decoder = new FrameDecoder(maxFrameBytes);
        if (plaintext) {
            ch.config().setRecvByteBufAllocator(decoder.readingIntoFrames(ch.config().getRecvByteBufAllocator()));
        }
        return decoder;
    }

    /**
     * Wraps the channel's receive allocator so that, while a frame is being gathered, the channel reads
     * from the socket into the frame's remaining bytes (a view of them, capacity what is missing, so a
     * read never takes bytes of the next frame) instead of into a buffer of its own that this decoder
     * would then copy. Only for a channel whose bytes reach this decoder as they come off the socket:
     * below TLS the socket's bytes are not the frame's.
     */
    RecvByteBufAllocator readingIntoFrames(RecvByteBufAllocator normal) {
        return () -> new RecvByteBufAllocator.DelegatingHandle(normal.newHandle()) {
            @Override
            public ByteBuf allocate(ByteBufAllocator alloc) {
                ByteBuf into = frameRemainder();
                return into != null ? into : super.allocate(alloc);
            }
        };
    }

    /** A retained view of the frame's unwritten bytes, empty for writing, or null when none is gathered. */
    private ByteBuf frameRemainder() {
        if (frame == null || failed) {
            return null;
        }
        ByteBuf view = frame.retainedSlice(frame.writerIndex(), frame.writableBytes());
        view.writerIndex(0);
        readTarget = view;
        return view;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (in == readTarget) {
                readTarget = null;
                if (!failed && frame != null) { // the bytes are in the frame already: count them
                    frame.writerIndex(frame.writerIndex() + in.readableBytes());
                    fireIfWhole(ctx);
                }
            } else if (!failed) {
                decode(ctx, in);
            }
        } catch (RuntimeException e) {
            failed = true;
            releaseFrame();
            throw e instanceof DecoderException ? e : new DecoderException(e);
        } finally {
            in.release();
        }
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable()) {
            if (discarding > 0) {
                int skip = (int) Math.min(discarding, in.readableBytes());
                in.skipBytes(skip);
                discarding -= skip;
                continue;
            }
            if (frame != null) {
                frame.writeBytes(in, Math.min(frame.writableBytes(), in.readableBytes()));
                fireIfWhole(ctx);
                continue;
            }
            int size;
            if (headerBytes == 0 && in.readableBytes() >= 4) {
                size = in.readInt();
            } else {
                while (headerBytes < 4 && in.isReadable()) {
                    header = header << 8 | in.readUnsignedByte();
                    headerBytes++;
                }
                if (headerBytes < 4) {
                    return;
                }
                size = header;
                header = 0;
                headerBytes = 0;
            }
            if (size < 4 || size > maxFrameBytes) {
                if (!sawFrame && looksLikeTls(size)) {
                    throw new TlsReply();
                }
                String diagnosis = sawFrame ? "" : diagnose(size);
                if (!diagnosis.isEmpty() || size < 4) {
                    throw new ProtocolException(diagnosis.isEmpty()
                            ? "broker sent an impossible response size " + size : diagnosis);
                }
                // A well-formed but oversized response: skip its bytes without buffering them, and
                // fail only the request it answers. The connection stays usable.
                discarding = size;
                sawFrame = true;
                ctx.fireChannelRead(new Oversized(size));
                continue;
            }
            sawFrame = true;
            if (in.readableBytes() >= size) {
                ctx.fireChannelRead(in.readRetainedSlice(size)); // the whole frame in this read: no copy
            } else {
                frame = frameBuffer(ctx.alloc(), size);
                frame.writeBytes(in);
            }
        }
    }

    /**
     * An empty buffer of exactly {@code size} bytes for a frame spread over reads. Large ones are slices
     * of a {@link KeptBuffers} buffer, which comes back for reuse once every slice of the frame is
     * released: fetch responses went through Netty's pool first in, first out, so its chunks emptied
     * and were given back to the OS one after another, and each new one was zeroed and faulted in (16% of
     * a consumer's event loop at eight million records a second, by {@code perf}).
     */
    private ByteBuf frameBuffer(ByteBufAllocator alloc, int size) {
        if (size < KEPT_FROM || alloc != PooledByteBufAllocator.DEFAULT) {
            return alloc.directBuffer(size, size);
        }
        return kept.take(size).slice(0, size).writerIndex(0);
    }

    /**
     * Passes the gathered frame on once whole, as a slice of itself like a frame found within one read,
     * so that the code parsing responses meets one buffer class from this decoder whatever a frame's
     * size (code the JIT compiled for one class is thrown away and compiled again when another comes).
     */
    private void fireIfWhole(ChannelHandlerContext ctx) {
        if (!frame.isWritable()) {
            ByteBuf whole = frame;
            frame = null;
            ByteBuf slice = whole.retainedSlice();
            whole.release();
            ctx.fireChannelRead(slice);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseFrame();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseFrame();
        super.channelInactive(ctx);
    }

    private void releaseFrame() {
        readTarget = null; // the channel still owns it: it releases it unread or passes it in, released then
        if (frame != null) {
            frame.release();
            frame = null;
        }
    }

    /**
     * The broker answered a plaintext client with TLS. A malformed answer like any other to the
     * decoder; the connection turns it into a final {@link AuthenticationException}, since no retry
     * can change what the listener speaks.
     */
    static final class TlsReply extends ProtocolException {
        TlsReply() {
            super("the server answered with a TLS record: this looks like a TLS listener, but the client connects"
                    + " in plaintext (set security.protocol to SSL or SASL_SSL)");
        }
    }

    /** First four bytes that begin a TLS record header: content type 20-23, then major version 3. */
    static boolean looksLikeTls(int first4) {
        int b0 = first4 >>> 24;
        return b0 >= 0x14 && b0 <= 0x17 && (first4 >>> 16 & 0xff) == 0x03;
    }

    /** What the first four bytes of an answer look like when they are no size: HTTP, or nothing known (""). */
    static String diagnose(int first4) {
        if (first4 == ('H' << 24 | 'T' << 16 | 'T' << 8 | 'P')) {
            return "the server answered with HTTP: this address is a web server, not a Kafka listener";
        }
        return "";
    }
}
