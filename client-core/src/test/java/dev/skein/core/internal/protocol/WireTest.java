package dev.skein.core.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WireTest {
    /** Values around every 7-bit boundary, both signs, and the extremes. */
    private static List<Long> edges() {
        List<Long> out = new ArrayList<>(List.of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE,
                (long) Integer.MAX_VALUE, (long) Integer.MIN_VALUE));
        for (int bits = 1; bits < 64; bits++) {
            long v = 1L << bits;
            for (long d = -1; d <= 1; d++) {
                out.add(v + d);
                out.add(-(v + d));
            }
        }
        return out;
    }

    @Test
    void varintSizesMatchWhatIsWritten() {
        ByteBuf buf = Unpooled.buffer();
        for (long l : edges()) {
            int v = (int) l;
            buf.clear();
            Wire.writeVarint(buf, v);
            assertEquals(buf.readableBytes(), Wire.sizeOfVarint(v), "varint " + v);
            buf.clear();
            Wire.writeUnsignedVarint(buf, v);
            assertEquals(buf.readableBytes(), Wire.sizeOfUnsignedVarint(v), "unsigned varint " + v);
            assertEquals(v, Wire.readUnsignedVarint(buf));
        }
    }

    @Test
    void varlongSizesMatchWhatIsWritten() {
        ByteBuf buf = Unpooled.buffer();
        for (long v : edges()) {
            buf.clear();
            Wire.writeVarlong(buf, v);
            assertEquals(buf.readableBytes(), Wire.sizeOfVarlong(v), "varlong " + v);
            assertEquals(v, Wire.readVarlong(buf));
        }
    }
}
