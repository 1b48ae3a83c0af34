package dev.skein.cli;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.errors.SkeinException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Runs a command line. Exit status: 0 when the command did all it was asked, 1 when it failed at run
 * time (unreachable cluster, unknown topic, a record not written, any exception of the run), 2 for a bad
 * command line found before the work starts (see {@link #exitStatus}), 3 when authentication failed; in
 * every failure case one line on stderr says why.
 */
public final class Cli {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    /** The cluster refused the client's credentials or certificate (or the client the broker's). */
    public static final int AUTHENTICATION = 3;

    private Cli() {}

    /** Runs {@code args} with the given streams and returns the exit status. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Io io = new Io(in, out, err);
        SkeinCommand root = new SkeinCommand(io);
        CommandLine cl = new CommandLine(root);
        shareGlobals(cl, root.global);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("skein: " + e.getMessage() + " (see: skein " + commandPath(e.getCommandLine()) + "--help)");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            err.println("skein: " + describe(e));
            if (root.global.verbose) {
                e.printStackTrace(err);
            }
            return exitStatus(e);
        });
        cl.setExecutionStrategy(parsed -> {
            Clients.logging(root.global); // before any client class logs: --verbose is known only now
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl.execute(args);
    }

    /**
     * The exit status of a command that threw {@code e}. Only a bad command line is {@link #USAGE}: the
     * command's own checks ({@link UsageException}) and a client builder refusing a {@code --config}/{@code -X}
     * property ({@link ConfigException}); the parser's errors take the parameter exception handler. Any other
     * exception, an {@code IllegalArgumentException} of a client call or a serializer included, happened
     * while the command ran: {@link #FAILED} (or {@link #AUTHENTICATION}).
     */
    static int exitStatus(Throwable e) {
        if (e instanceof UsageException || e instanceof ConfigException) {
            return USAGE;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AuthenticationException) {
                return AUTHENTICATION;
            }
        }
        return FAILED;
    }

    /**
     * Gives every command below the root the global options, bound to the root's object, so they may
     * come before or after the command name. A command's own option of the same name wins
     * ({@code topics create --config K=V}, which also takes a file as the global one does).
     */
    private static void shareGlobals(CommandLine parent, GlobalOptions global) {
        for (CommandLine sub : parent.getSubcommands().values()) {
            CommandSpec globals = CommandSpec.forAnnotatedObject(global);
            for (OptionSpec o : globals.options()) {
                boolean taken = false;
                for (String name : o.names()) {
                    taken |= sub.getCommandSpec().findOption(name) != null;
                }
                if (!taken) {
                    sub.getCommandSpec().addOption(o);
                }
            }
            shareGlobals(sub, global);
        }
    }

    private static String commandPath(CommandLine c) {
        StringBuilder b = new StringBuilder();
        for (CommandLine p = c; p != null && p.getParent() != null; p = p.getParent()) {
            b.insert(0, p.getCommandName() + " ");
        }
        return b.toString();
    }

    /** One line: the root cause's message, named by type only when it has none. */
    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException
                || t instanceof CliException.Wrapped) && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        } else if (!(t instanceof SkeinException) && !(t instanceof CliException) && !(t instanceof IllegalArgumentException)) {
            msg = t.getClass().getSimpleName() + ": " + msg;
        }
        return msg.replace('\n', ' ');
    }
}
