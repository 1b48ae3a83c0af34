/**
 * The {@code skein} command line: quickstart, produce, consume, copy, topics, groups, perf,
 * cluster, configs, transactions. An
 * application rather than a library; on the module path it runs as
 * {@code java -p <jars> -m dev.skein.cli/dev.skein.cli.Main}.
 */
module dev.skein.cli {
    requires dev.skein.consumer;
    requires dev.skein.admin;
    // quickstart starts a local broker when no --bootstrap is given
    requires dev.skein.testkit;
    requires info.picocli;
    requires java.management;
    requires jdk.management;

    // picocli reads the commands' annotated fields and methods reflectively
    opens dev.skein.cli to info.picocli;
}
