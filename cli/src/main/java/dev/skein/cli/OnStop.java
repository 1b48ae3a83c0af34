package dev.skein.cli;

/**
 * What a command does when the process is asked to stop (SIGTERM, Ctrl-C) while it runs. The JVM then
 * runs its shutdown hooks and halts the command's thread wherever it is, so without one a producer's
 * buffered records are dropped and a consumer is never closed. Installed for the command's run only:
 * {@link Cli#run} also runs in-process, several times in one JVM.
 */
final class OnStop implements AutoCloseable {
    private final Thread hook;

    /** Runs {@code action} on a shutdown hook's thread if the process is asked to stop before {@link #close}. */
    OnStop(Runnable action) {
        hook = new Thread(action, "skein-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException stopping) {
            // the process is stopping: the hook runs (or ran) and waits for what it needs
        }
    }
}
