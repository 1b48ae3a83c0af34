package dev.skein.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** A command that does something: it reaches the globals and streams through the root command. */
abstract class Subcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The root command, holding the global options and the streams. */
    SkeinCommand root() {
        return (SkeinCommand) spec.root().userObject();
    }
}
