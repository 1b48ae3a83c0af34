package dev.skein.producer;

import dev.skein.core.message.ApiMessage;
import dev.skein.testkit.FaultProxy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Rewrites a broker's response frame for {@link FaultProxy#rewriteResponses}: reads its body with the
 * generated message class, lets the test change it (an error code, say), and writes it back under the
 * same correlation id. The proxy does not know the version the client asked for, so it is found by
 * shape: the highest version whose reading uses up the body exactly. Only flexible versions are tried
 * (response header v1: the correlation id, then empty tagged fields). Shared by the producer's and the
 * consumer's fault ITs (the consumer's tests use this module's test-jar).
 */
public final class ResponseRewrite {
    private ResponseRewrite() {
    }

    /**
     * The frame with its body changed by {@code change}.
     *
     * @param highest the message's highest version
     * @param lowestFlexible its first flexible version
     * @param read the message's {@code read(ByteBuf, short)}
     */
    public static <M extends ApiMessage> FaultProxy.Rewritten changed(ByteBuf frame, short highest, short lowestFlexible,
                                                                      BiFunction<ByteBuf, Short, M> read, Consumer<M> change) {
        ByteBuf f = frame.slice();
        int correlationId = f.getInt(4);
        if (f.getByte(8) != 0) {
            throw new IllegalStateException("tagged fields in the response header: not a frame this helper reads");
        }
        for (short v = highest; v >= lowestFlexible; v--) {
            ByteBuf body = f.slice(9, f.readableBytes() - 9); // size, correlation id, no header tags
            M message;
            try {
                message = read.apply(body, v);
            } catch (RuntimeException e) {
                continue;
            }
            if (body.isReadable()) {
                continue;
            }
            ByteBuf out = Unpooled.buffer();
            try {
                change.accept(message);
                out.writeInt(0).writeInt(correlationId).writeByte(0);
                message.write(out, v);
                out.setInt(0, out.readableBytes() - 4);
            } finally {
                message.releaseRecords(); // the record slices a Fetch or ShareFetch read holds of the frame
            }
            return new FaultProxy.Rewritten(out, false);
        }
        throw new IllegalStateException("no flexible version from " + lowestFlexible + " to " + highest + " reads this response");
    }
}
