package dev.skein.consumer;

import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;

/**
 * Run in a child JVM by {@link ExactlyOnceIT}: copies args[1] to args[2] exactly once as group args[3]
 * with transactional id args[4], until idle for args[5] seconds, on group protocol args[6] (default classic).
 */
public final class ExactlyOnceCopierMain {
    private ExactlyOnceCopierMain() {}

    public static void main(String[] args) {
        String protocol = args.length > 6 ? args[6] : "classic";
        var builder = ExactlyOnceProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer(), Serdes.string().serializer(),
                        Serdes.string().serializer())
                .bootstrapServers(args[0]).input(List.of(args[1])).groupId(args[3]).transactionalId(args[4])
                .property("max.poll.records", 200).property("group.protocol", protocol);
        if (protocol.equals("classic")) { // the consumer protocol's session is the group's config
            builder.property("session.timeout.ms", 6000).property("heartbeat.interval.ms", 1000);
        }
        try (ExactlyOnceProcessor<String, String, String, String> copier = builder.build()) {
            copier.run(r -> List.of(new ProducerRecord<>(args[2], null, r.key(), r.value(), r.headers(), null)),
                    Duration.ofSeconds(Long.parseLong(args[5])));
        }
    }
}
