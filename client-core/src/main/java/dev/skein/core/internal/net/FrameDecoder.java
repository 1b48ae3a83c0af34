package dev.skein.core.internal.net;

import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

/**
 * Splits the broker's byte stream into size-prefixed frames. The announced size is checked against
 * the maximum before a byte of the frame is buffered, so an oversized or bogus size costs nothing.
 * When the very first bytes are not a plausible size, it says what they look like: a TLS record
 * (a plaintext client talking to a TLS listener: {@link TlsReply}) or an HTTP response (a client
 * pointed at a web port).
 */
final class FrameDecoder extends ByteToMessageDecoder {
    /** Emitted in place of a frame that is over the maximum; its bytes are skipped as they arrive. */
    record Oversized(int size) {}

    private final int maxFrameBytes;
    private boolean sawFrame;
    private long discarding;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (true) {
            if (discarding > 0) {
                int skip = (int) Math.min(discarding, in.readableBytes());
                in.skipBytes(skip);
                discarding -= skip;
                if (discarding > 0) {
                    return;
                }
            }
            if (in.readableBytes() < 4) {
                return;
            }
            int size = in.getInt(in.readerIndex());
            if (size < 4 || size > maxFrameBytes) {
                if (!sawFrame && looksLikeTls(in)) {
                    in.skipBytes(in.readableBytes());
                    throw new TlsReply();
                }
                String diagnosis = sawFrame ? "" : diagnose(in);
                if (!diagnosis.isEmpty() || size < 4) {
                    in.skipBytes(in.readableBytes());
                    throw new ProtocolException(diagnosis.isEmpty()
                            ? "broker sent an impossible response size " + size : diagnosis);
                }
                // A well-formed but oversized response: skip its bytes without buffering them, and
                // fail only the request it answers. The connection stays usable.
                in.skipBytes(4);
                discarding = size;
                sawFrame = true;
                out.add(new Oversized(size));
                continue;
            }
            if (in.readableBytes() < 4 + size) {
                return;
            }
            in.skipBytes(4);
            out.add(in.readRetainedSlice(size));
            sawFrame = true;
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

    /** A TLS record header: content type 20-23, then major version 3. */
    static boolean looksLikeTls(ByteBuf in) {
        int i = in.readerIndex();
        int b0 = in.getUnsignedByte(i);
        return b0 >= 0x14 && b0 <= 0x17 && in.getUnsignedByte(i + 1) == 0x03;
    }

    static String diagnose(ByteBuf in) {
        int i = in.readerIndex();
        int b0 = in.getUnsignedByte(i);
        int b1 = in.getUnsignedByte(i + 1);
        if (b0 == 'H' && b1 == 'T' && in.getUnsignedByte(i + 2) == 'T' && in.getUnsignedByte(i + 3) == 'P') {
            return "the server answered with HTTP: this address is a web server, not a Kafka listener";
        }
        return "";
    }
}
