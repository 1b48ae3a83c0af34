package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.Compression;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerOptions;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link ModulePathIT} in a JVM that has Skein and its dependencies on the module path and only
 * this class on the class path: creates a topic, writes {@code args[1]} records compressed with each
 * codec, reads them back in a group, and prints the modules it ran from and the values it read.
 * Exits non-zero on any failure.
 */
public final class ModulePathCheck {
    private ModulePathCheck() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        int perCodec = Integer.parseInt(args[1]);
        String topic = "module-path-" + UUID.randomUUID().toString().substring(0, 8);
        System.out.println("modules: " + Producer.class.getModule().getName() + " " + Consumer.class.getModule().getName()
                + " " + Admin.class.getModule().getName());
        try (Admin admin = Admin.builder().bootstrapServers(bootstrap).build()) {
            admin.topics().create(List.of(NewTopic.of(topic, 2, 1))).all().get(30, TimeUnit.SECONDS);
        }
        ProducerOptions base = ProducerOptions.builder().bootstrapServers(bootstrap).linger(Duration.ofMillis(5)).build();
        int sent = 0;
        for (Compression codec : List.of(Compression.NONE, Compression.GZIP, Compression.SNAPPY, Compression.LZ4,
                Compression.ZSTD)) {
            try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                    .options(base.mutate().compression(codec).build()).build()) {
                for (int i = 0; i < perCodec; i++) {
                    producer.send(ProducerRecord.of(topic, "k" + i, codec.name() + "-" + i));
                    sent++;
                }
                producer.flush();
            }
        }
        TreeSet<String> read = new TreeSet<>();
        ConsumerOptions options = ConsumerOptions.builder().bootstrapServers(bootstrap).groupId(topic)
                .offsetReset(OffsetReset.EARLIEST).build();
        try (Consumer<String, String> consumer = Consumer.builder(Serdes.string(), Serdes.string()).options(options).build()) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < sent && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    read.add(r.value());
                }
            }
        }
        System.out.println("sent " + sent + " read " + read.size() + " distinct: " + read);
        if (read.size() != sent) {
            System.exit(1);
        }
    }
}
