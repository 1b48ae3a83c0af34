/**
 * The {@code skein} command line tool: produce, consume, copy, perf, topics, groups,
 * cluster (features, log dirs, the metadata quorum), configs, transactions, quickstart.
 * {@link dev.skein.cli.Main} is the entry point; {@link dev.skein.cli.Cli#run} runs a command line
 * in-process (the tests use it).
 */
package dev.skein.cli;
