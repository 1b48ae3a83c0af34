package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.consumer.AcknowledgeType;
import dev.skein.consumer.ShareConsumer;
import dev.skein.consumer.ShareRecord;
import dev.skein.serdes.Serdes;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code consume --share-group G}: reads as a member of a share group with implicit acknowledgement, so
 * each record printed is accepted by the next poll (or the close). Records a poll returned past
 * {@code --max-messages} are released instead, for another member to get.
 */
final class ShareConsume {
    private static final String AUTO_OFFSET_RESET = "share.auto.offset.reset";

    private ShareConsume() {}

    static int run(ConsumeCommand cmd, SkeinCommand root, RecordFormat fmt) {
        if (cmd.fromBeginning) {
            startAtEarliest(cmd.shareGroup, root.global);
        }
        PrintStream out = root.io.out();
        long printed = 0;
        Progress progress = Progress.of(root, cmd.progressOption, "consumed");
        try (ShareConsumer<String, String> consumer = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .properties(Clients.consumerProperties(root.global)).groupId(cmd.shareGroup).build()) {
            consumer.subscribe(List.of(cmd.topic));
            // A share consumer does not tell when it is assigned partitions: idle time counts from the start.
            long lastRecord = System.nanoTime();
            while (cmd.maxMessages == null || printed < cmd.maxMessages) {
                List<ShareRecord<String, String>> batch = consumer.poll(Duration.ofMillis(200));
                if (!batch.isEmpty()) {
                    progress.clear();
                }
                List<ShareRecord<String, String>> shown = new ArrayList<>();
                for (ShareRecord<String, String> r : batch) {
                    if (cmd.maxMessages != null && printed >= cmd.maxMessages) {
                        consumer.acknowledge(r, AcknowledgeType.RELEASE);
                        continue;
                    }
                    out.print(fmt.apply(r));
                    shown.add(r);
                    printed++;
                }
                out.flush();
                if (out.checkError()) {
                    // Perhaps no one got them: released for another member (or the group's next reader), not accepted.
                    shown.forEach(r -> consumer.acknowledge(r, AcknowledgeType.RELEASE));
                    throw Clients.stdoutClosed(printed - shown.size());
                }
                progress.update(printed);
                if (!batch.isEmpty()) {
                    lastRecord = System.nanoTime();
                } else if (cmd.timeoutMs != null && System.nanoTime() - lastRecord >= cmd.timeoutMs * 1_000_000L) {
                    break;
                }
            }
        } finally { // close acknowledged what the last poll returned
            progress.finish(printed);
        }
        if (root.global.verbose) {
            root.io.err().println("printed " + printed + " records of " + cmd.topic + " for share group " + cmd.shareGroup);
        }
        return Cli.OK;
    }

    /**
     * Sets the group's {@code share.auto.offset.reset} to earliest and waits (bounded) until a broker
     * reports it: group configs reach the brokers through the metadata log, after the call returns.
     */
    private static void startAtEarliest(String group, GlobalOptions global) {
        ConfigResource resource = ConfigResource.group(group);
        try (Admin admin = Clients.admin(global)) {
            Clients.await(admin.configs().alter(Map.of(resource, List.of(ConfigOp.set(AUTO_OFFSET_RESET, "earliest"))))
                    .get(resource), global);
            long deadline = System.nanoTime() + Clients.API_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                ConfigEntry e = Clients.await(admin.configs().describe(List.of(resource)).get(resource), global)
                        .get(AUTO_OFFSET_RESET);
                if (e != null && "earliest".equals(e.value())) {
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            throw new CliException("share group " + group + ": " + AUTO_OFFSET_RESET + "=earliest was not applied within "
                    + Clients.API_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }
}
