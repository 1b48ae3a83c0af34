package dev.skein.serdes.internal;

import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.SerializationException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WireFormatTest {
    static final SerdeContext CTX = SerdeContext.forConsumer("t", SerdeContext.Target.VALUE, List.of(), 0, 0L);

    static String indexes(int... indexes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WireFormat.writeMessageIndexes(indexes, out);
        return HexFormat.of().formatHex(out.toByteArray());
    }

    @Test
    void messageIndexesAreACountThenIndexesAllZigZagVarints() {
        assertEquals("00", indexes(0), "[0] is one 0 byte");
        assertEquals("0202", indexes(1));
        assertEquals("040200", indexes(1, 0));
        assertEquals("02c801", indexes(100), "zig-zag 200 needs two varint bytes");
        assertEquals("06000204", indexes(0, 1, 2));
        for (int[] path : new int[][] {{0}, {1}, {1, 0}, {100}, {0, 1, 2}, {70000, 3}}) {
            byte[] bytes = HexFormat.of().parseHex(indexes(path) + "ff");
            int[] pos = {0};
            assertArrayEquals(path, WireFormat.readMessageIndexes(bytes, pos, CTX));
            assertEquals(bytes.length - 1, pos[0], "stops where the payload starts");
        }
    }

    @Test
    void headerAndBrokenIndexListsAreCheckedAndTyped() {
        assertEquals(0x01020304, WireFormat.schemaId(new byte[] {0, 1, 2, 3, 4}, CTX, "x"));
        assertEquals("0000000105", HexFormat.of().formatHex(WireFormat.header(261, 0).toByteArray()));
        assertThrows(SerializationException.class, () -> WireFormat.readMessageIndexes(new byte[] {(byte) 0x80}, new int[] {0}, CTX));
        assertThrows(SerializationException.class, () -> WireFormat.readMessageIndexes(new byte[] {0x40, 0}, new int[] {0}, CTX),
                "a count of 32 with one byte left");
        assertThrows(SerializationException.class, () -> WireFormat.readMessageIndexes(new byte[] {0x01}, new int[] {0}, CTX),
                "a negative count");
    }
}
