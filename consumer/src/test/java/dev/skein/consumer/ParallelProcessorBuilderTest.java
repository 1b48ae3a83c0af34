package dev.skein.consumer;

import dev.skein.serdes.Serdes;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What one {@link ParallelProcessor.Builder} gives each processor it builds. No broker: nothing here connects. */
class ParallelProcessorBuilderTest {
    @Test
    void aBuilderBuiltTwiceWithoutAClientIdGivesEachProcessorItsOwnId() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ParallelProcessor.Builder<byte[], byte[]> builder = ParallelProcessor
                .builder(Serdes.bytes().deserializer(), Serdes.bytes().deserializer())
                .bootstrapServers("127.0.0.1:1").groupId("enrich").topics("orders").meterRegistry(registry);
        try (ParallelProcessor<byte[], byte[]> first = builder.build();
             ParallelProcessor<byte[], byte[]> second = builder.build()) {
            Set<String> ids = registry.find("skein.consumer.records.consumed").meters().stream()
                    .map(Meter::getId).map(id -> id.getTag("client.id")).collect(Collectors.toSet());
            assertEquals(2, ids.size(), "two processors, two consumers, two ids: " + ids);
        }
    }
}
