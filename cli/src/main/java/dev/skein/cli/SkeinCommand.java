package dev.skein.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The top command: global options and the list of commands. */
@Command(name = "skein", mixinStandardHelpOptions = true, version = "skein 0.1.0",
        description = "Produce, consume, copy and manage Kafka topics, groups, configs, transactions and the cluster.",
        subcommands = {ProduceCommand.class, ConsumeCommand.class, CopyCommand.class, PerfCommand.class,
                TopicsCommand.class, GroupsCommand.class, ClusterCommand.class, ConfigsCommand.class,
                TransactionsCommand.class, QuickstartCommand.class},
        showDefaultValues = true, usageHelpAutoWidth = true)
final class SkeinCommand extends CommandGroup {
    final Io io;

    @Mixin
    GlobalOptions global = new GlobalOptions();

    SkeinCommand(Io io) {
        this.io = io;
    }
}
