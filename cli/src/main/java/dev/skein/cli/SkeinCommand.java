package dev.skein.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top command: global options and the list of commands. */
@Command(name = "skein", mixinStandardHelpOptions = true, version = "skein 0.1.0",
        description = "Produce, consume, copy and manage Kafka topics and groups.",
        subcommands = {ProduceCommand.class, ConsumeCommand.class, CopyCommand.class, PerfCommand.class,
                TopicsCommand.class, GroupsCommand.class, QuickstartCommand.class},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class SkeinCommand implements Runnable {
    final Io io;

    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    SkeinCommand(Io io) {
        this.io = io;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }

    /** The root command of any command in the tree, for its globals and streams. */
    static SkeinCommand root(CommandSpec spec) {
        return (SkeinCommand) spec.root().userObject();
    }
}
