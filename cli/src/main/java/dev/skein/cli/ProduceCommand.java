package dev.skein.cli;

import dev.skein.producer.Producer;
import dev.skein.producer.ProducerBuilder;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.Serdes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Reads records from stdin, one per line, and returns once every one is acknowledged. */
@Command(name = "produce", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = "Write the lines of stdin to a topic, one record per line; exit 0 only when every record"
                + " is acknowledged.")
final class ProduceCommand extends Subcommand {

    @Option(names = "--topic", required = true, description = "The topic to write to.")
    String topic;

    @Option(names = "--key-separator", paramLabel = "S",
            description = "Split each line at the first S into key and value; a line without S stops the run"
                    + " (exit 1, naming the line) once the lines before it are written. Without this option: no key.")
    String keySeparator;

    @Option(names = "--partition", paramLabel = "N", description = "Write every record to this partition.")
    Integer partition;

    @Option(names = "--acks", defaultValue = "all", description = "0, 1 or all (not given: acks from --config or -X,"
            + " else this default).")
    String acks;

    @Option(names = "--compression", defaultValue = "none", description = "none, gzip, snappy, lz4 or zstd (not given:"
            + " compression.type from --config or -X, else this default).")
    String compression;

    @Option(names = "--header", paramLabel = "K=V", description = "A header for every record; repeatable.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Mixin
    ProgressOption progressOption = new ProgressOption();

    @Override
    public Integer call() throws Exception {
        SkeinCommand root = root();
        if (!List.of("0", "1", "all", "-1").contains(acks)) {
            throw new UsageException("--acks must be 0, 1 or all, was " + acks);
        }
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new UsageException("--key-separator must not be empty");
        }
        Clients.checkPartition(Clients.requireTopic(root.global, topic), partition);
        Map<String, Object> props = Clients.producerProperties(root.global);
        Clients.flag(props, "acks", acks, given("--acks"));
        Clients.flag(props, "compression.type", compression, given("--compression"));
        props.putIfAbsent("max.block.ms", Long.toString(Clients.API_TIMEOUT.toMillis()));
        ProducerBuilder<String, String> b = Producer.builder(Serdes.string(), Serdes.string()).properties(props);
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        AtomicLong sentSoFar = new AtomicLong(); // read by the stop hook
        long sent = 0;
        String badLine = null; // a line without --key-separator: the run stops before it
        List<CompletableFuture<RecordMetadata>> pending = new ArrayList<>();
        Progress progress = Progress.of(root, progressOption, "produced");
        try (Producer<String, String> producer = b.build();
             OnStop onStop = new OnStop(() -> stopped(producer, sentSoFar.get(), failed, firstError));
             BufferedReader in = new BufferedReader(new InputStreamReader(root.io.in(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (keySeparator != null && !line.contains(keySeparator)) {
                    badLine = line;
                    break;
                }
                ProducerRecord<String, String> record = record(line);
                CompletableFuture<RecordMetadata> f = producer.send(record);
                f.whenComplete((m, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e);
                    }
                });
                pending.add(f);
                sent++;
                sentSoFar.set(sent);
                progress.update(sent);
                if (pending.size() >= 10_000) {
                    pending.removeIf(CompletableFuture::isDone);
                }
            }
            producer.flush();
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
        } catch (IOException e) {
            throw new CliException("cannot read stdin: " + e.getMessage(), e);
        } finally {
            progress.finish(sent);
        }
        if (badLine != null) {
            String before = sent == 1 ? "the line before it" : "the " + sent + " lines before it";
            throw new CliException(noSeparator(sent + 1, badLine) + (sent == 0 ? "; nothing was written to " + topic
                    : failed.get() == 0 ? "; " + before + (sent == 1 ? " was" : " were") + " written to " + topic + ", none after it"
                    : "; of " + before + " " + failed.get() + " not written to " + topic + " (" + Cli.describe(firstError.get())
                    + "), none after it"));
        }
        if (failed.get() > 0) {
            throw new CliException(failed.get() + " of " + sent + " records were not written to " + topic + ": "
                    + Cli.describe(firstError.get()));
        }
        if (root.global.verbose) {
            root.io.err().println("wrote " + sent + " records to " + topic);
        }
        return Cli.OK;
    }

    /**
     * SIGTERM or Ctrl-C before the end of stdin: the lines read so far are sent and waited for (bounded),
     * as kafka-console-producer's close on shutdown does, and stderr says how many were written; the exit
     * status is the signal's, never 0.
     */
    private void stopped(Producer<String, String> producer, long read, AtomicLong failed, AtomicReference<Throwable> firstError) {
        producer.close(Clients.API_TIMEOUT); // every future is complete when it returns
        long notWritten = failed.get();
        root().io.err().println("skein: stopped by a signal after reading " + read + " lines; " + (read - notWritten)
                + " written to " + topic + (notWritten == 0 ? "" : ", " + notWritten + " not written: "
                + Cli.describe(firstError.get())));
        root().io.err().flush();
    }

    /**
     * The failure of a line without the key separator. Such a line is refused, not sent without a key (as
     * Apache Kafka's console producer with {@code parse.key=true} refuses it): a keyless record of keyed
     * data lands on a partition no key chose, where readers of that key never look.
     */
    private String noSeparator(long lineNumber, String line) {
        String shown = line.length() > 100 ? line.substring(0, 100) + "..." : line;
        return "no key separator '" + keySeparator + "' found on line " + lineNumber + ": '" + shown + "'";
    }

    /** The record of a line; with {@code --key-separator} the caller has checked that the line holds it. */
    private ProducerRecord<String, String> record(String line) {
        String key = null;
        String value = line;
        if (keySeparator != null) {
            int at = line.indexOf(keySeparator);
            key = line.substring(0, at);
            value = line.substring(at + keySeparator.length());
        }
        ProducerRecord<String, String> r = ProducerRecord.of(topic, key, value);
        if (partition != null) {
            r = r.withPartition(partition);
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            r = r.withHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8));
        }
        return r;
    }

}
