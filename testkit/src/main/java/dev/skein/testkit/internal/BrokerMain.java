package dev.skein.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Entry point of a broker child JVM. It ties the broker's life to its parent: the parent holds the
 * write end of this process's stdin, and when the parent dies for any reason (even SIGKILL, when no
 * shutdown hook runs) the pipe closes, the read below sees end-of-stream, and the broker halts.
 *
 * <p>The real entry point is looked up reflectively so that testkit has no compile-time dependency
 * on the broker's classes; they are on the child's classpath only.
 */
public final class BrokerMain {
    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(BrokerMain::haltWhenParentGone, "skein-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String mainClass = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Class.forName(mainClass).getMethod("main", String[].class).invoke(null, (Object) rest);
    }

    private static void haltWhenParentGone() {
        InputStream in = System.in;
        byte[] buf = new byte[64];
        try {
            while (in.read(buf) >= 0) {
                // The parent never writes; anything read is ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the same as end-of-stream.
        }
        Runtime.getRuntime().halt(137);
    }
}
