package dev.skein.core.message;

import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random and truncated bytes fed to every decoder at every version raise only
 * {@link ProtocolException} (or decode to something): never another exception, never an
 * allocation sized from an unchecked length (that would surface as OutOfMemoryError here).
 */
class MalformedInputTest {
    private static final int RANDOM_INPUTS = 40;

    @TestFactory
    List<DynamicTest> decodersRejectGarbageWithTheTypedException() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<? extends Message> type : AllMessages.topLevel()) {
            Message prototype = AllMessages.newInstance(type);
            short low = prototype.lowestSupportedVersion();
            short high = prototype.highestSupportedVersion();
            tests.add(DynamicTest.dynamicTest(type.getSimpleName(), () -> {
                for (short v = low; v <= high; v++) {
                    truncations(type, v);
                    randomBytes(type, v);
                }
            }));
        }
        return tests;
    }

    private static void truncations(Class<? extends Message> type, short version) {
        Message m = new RandomMessages(version * 1_000_003L + type.getName().hashCode()).fill(type, version);
        byte[] full = ByteBufUtil.getBytes(RandomMessages.encode(m, version));
        for (int len = 0; len < full.length; len++) {
            decode(type, Unpooled.wrappedBuffer(full, 0, len), version, "truncated to " + len + " of " + full.length);
        }
        // Corrupt single bytes of a valid encoding: lengths and counts become lies.
        Random r = new Random(full.length);
        for (int i = 0; i < Math.min(full.length, 64); i++) {
            byte[] copy = full.clone();
            copy[r.nextInt(copy.length)] = (byte) r.nextInt();
            decode(type, Unpooled.wrappedBuffer(copy), version, "one byte flipped");
        }
    }

    private static void randomBytes(Class<? extends Message> type, short version) {
        Random r = new Random(type.getName().hashCode() + version);
        for (int i = 0; i < RANDOM_INPUTS; i++) {
            byte[] b = new byte[r.nextInt(64)];
            r.nextBytes(b);
            decode(type, Unpooled.wrappedBuffer(b), version, "random " + ByteBufUtil.hexDump(b));
        }
    }

    private static void decode(Class<? extends Message> type, ByteBuf buf, short version, String what) {
        try {
            Message m = AllMessages.read(type, buf, version);
            if (m instanceof ApiMessage) {
                release(m);
            }
        } catch (ProtocolException expected) {
            // the one allowed failure
        } catch (Throwable t) {
            fail(type.getSimpleName() + " v" + version + " (" + what + ") threw " + t, t);
        }
    }

    private static void release(Message m) {
        try {
            m.getClass().getMethod("releaseRecords").invoke(m);
        } catch (NoSuchMethodException e) {
            // no records inside
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
