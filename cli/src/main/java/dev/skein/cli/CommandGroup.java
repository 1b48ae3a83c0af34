package dev.skein.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.TreeSet;

/** A command that only groups others ({@code skein}, {@code skein topics}, ...): run alone, it says which. */
abstract class CommandGroup implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required: "
                + String.join(", ", new TreeSet<>(spec.subcommands().keySet())));
    }
}
