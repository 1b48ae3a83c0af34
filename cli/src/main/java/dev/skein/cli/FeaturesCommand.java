package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.FeatureMetadata;
import dev.skein.admin.FeatureUpdate;
import dev.skein.admin.Results;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * {@code skein cluster features [upgrade | downgrade]}: the finalized and supported feature levels, and
 * changing them (KIP-584), as Apache Kafka's {@code kafka-features} does. Run alone it prints the levels.
 */
@Command(name = "features", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Print each feature's finalized level and the range the brokers support; with upgrade or"
                + " downgrade, change finalized levels.",
        subcommands = {FeaturesCommand.Upgrade.class, FeaturesCommand.Downgrade.class})
final class FeaturesCommand extends Subcommand {

    @Override
    public Integer call() {
        SkeinCommand root = root();
        try (Admin admin = Clients.admin(root.global)) {
            ClusterCommand.printFeatures(Clients.await(admin.cluster().features(), root.global), root.io.out());
        }
        return Cli.OK;
    }

    @Command(name = "upgrade", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Finalize features at higher levels (or the level already finalized). The controller applies"
                    + " all the features of one command or none; the new levels are printed once the brokers report them.")
    static final class Upgrade extends Subcommand {

        @Parameters(arity = "1..*", paramLabel = "NAME=LEVEL", description = "A feature and the level to finalize, such as"
                + " share.version=1.")
        List<String> features = new ArrayList<>();

        @Option(names = "--dry-run", description = "Only ask the controller whether it would apply the upgrade.")
        boolean dryRun;

        @Override
        public Integer call() {
            Map<String, FeatureUpdate> updates = parse(features, level -> {
                if (level == 0) {
                    throw new UsageException("level 0 removes a feature: use 'skein cluster features downgrade'");
                }
                return FeatureUpdate.upgrade(level);
            });
            return apply(this, updates, dryRun, "upgraded");
        }
    }

    @Command(name = "downgrade", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Finalize features at lower levels (level 0 removes a feature). Without --unsafe the controller"
                    + " refuses a downgrade that would lose metadata the lower level cannot express.")
    static final class Downgrade extends Subcommand {

        @Parameters(arity = "1..*", paramLabel = "NAME=LEVEL", description = "A feature and the level to finalize, such as"
                + " share.version=0.")
        List<String> features = new ArrayList<>();

        @Option(names = "--unsafe", description = "Downgrade even where metadata the lower level cannot express is dropped.")
        boolean unsafe;

        @Option(names = "--dry-run", description = "Only ask the controller whether it would apply the downgrade.")
        boolean dryRun;

        @Override
        public Integer call() {
            Map<String, FeatureUpdate> updates = parse(features,
                    level -> unsafe ? FeatureUpdate.unsafeDowngrade(level) : FeatureUpdate.safeDowngrade(level));
            return apply(this, updates, dryRun, "downgraded");
        }
    }

    /**
     * {@code NAME=LEVEL} arguments as updates, in order; a malformed one, a level that is not a number from 0
     * to 32767, or a feature named twice is a usage error naming the argument.
     */
    static Map<String, FeatureUpdate> parse(List<String> args, IntFunction<FeatureUpdate> update) {
        Map<String, FeatureUpdate> updates = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("'" + arg + "': a feature update is NAME=LEVEL, such as share.version=1");
            }
            String name = arg.substring(0, eq);
            int level;
            try {
                level = Integer.parseInt(arg.substring(eq + 1));
            } catch (NumberFormatException e) {
                throw new UsageException("'" + arg + "': the level must be a number from 0 to 32767");
            }
            if (level < 0 || level > Short.MAX_VALUE) {
                throw new UsageException("'" + arg + "': the level must be a number from 0 to 32767");
            }
            if (updates.containsKey(name)) {
                throw new UsageException("'" + arg + "': feature " + name + " is named twice");
            }
            updates.put(name, update.apply(level));
        }
        return updates;
    }

    /**
     * Sends the updates (or validates them) and reports each feature on stderr. After a real change it waits,
     * bounded by the CLI's timeout, until a broker reports the new levels, so a {@code cluster features} run
     * next shows them; the controller has applied them either way.
     */
    private static int apply(Subcommand command, Map<String, FeatureUpdate> updates, boolean dryRun, String verb) {
        SkeinCommand root = command.root();
        try (Admin admin = Clients.admin(root.global)) {
            Results<String, Void> results = dryRun ? admin.cluster().validateFeatureUpdates(updates)
                    : admin.cluster().updateFeatures(updates);
            Map<String, String> failed = new LinkedHashMap<>();
            CliException first = null;
            for (Map.Entry<String, CompletableFuture<Void>> e : results.byItem().entrySet()) {
                try {
                    Clients.await(e.getValue(), root.global);
                } catch (CliException f) {
                    failed.put(e.getKey(), f.getMessage());
                    first = first == null ? f : first;
                }
            }
            if (failed.size() == updates.size()) {
                // A KRaft controller refuses the whole call for one bad update, with one message naming it for all.
                String why = new LinkedHashSet<>(failed.values()).size() == 1 ? first.getMessage()
                        : failed.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "));
                throw new CliException((dryRun ? "dry run: " : "") + "no feature " + verb + ": " + why, first);
            }
            if (!failed.isEmpty()) {
                // A ZooKeeper-mode controller answers per feature: say what it applied before what it refused.
                updates.keySet().stream().filter(name -> !failed.containsKey(name)).forEach(name -> root.io.err().println(
                        (dryRun ? "dry run: " + name + " can be " : name + " ") + verb + " to " + updates.get(name).maxVersionLevel()));
                throw new CliException((dryRun ? "dry run: " : "") + "not " + verb + ": " + failed.entrySet().stream()
                        .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; ")), first);
            }
            if (dryRun) {
                updates.forEach((name, u) -> root.io.err().println("dry run: " + name + " can be " + verb + " to "
                        + u.maxVersionLevel() + "; nothing changed"));
                return Cli.OK;
            }
            boolean seen = awaitLevels(admin, updates);
            updates.forEach((name, u) -> root.io.err().println(name + " " + verb + " to " + u.maxVersionLevel()
                    + (seen ? "" : " (the controller applied it; the brokers do not report it yet)")));
        }
        return Cli.OK;
    }

    private static boolean awaitLevels(Admin admin, Map<String, FeatureUpdate> updates) {
        long deadline = System.nanoTime() + Clients.API_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                FeatureMetadata f = admin.cluster().features().get(Clients.API_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                if (updates.entrySet().stream().allMatch(e -> finalized(f, e.getKey()) == e.getValue().maxVersionLevel())) {
                    return true;
                }
                Thread.sleep(200); // the brokers learn the levels from the metadata log; polled until the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                return false;
            }
        }
        return false;
    }

    private static int finalized(FeatureMetadata f, String name) {
        FeatureMetadata.Range r = f.finalized().get(name);
        return r == null ? 0 : r.max();
    }
}
