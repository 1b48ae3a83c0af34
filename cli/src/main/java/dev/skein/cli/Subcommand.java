package dev.skein.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** A command that does something: it reaches the globals and streams through the root command. */
abstract class Subcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /**
     * True when {@code option} was on the command line, not only its default: a flag's default gives way
     * to the same property given in {@code --config} or {@code -X} ({@link Clients#flag}).
     */
    boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The root command, holding the global options and the streams. */
    SkeinCommand root() {
        return (SkeinCommand) spec.root().userObject();
    }
}
