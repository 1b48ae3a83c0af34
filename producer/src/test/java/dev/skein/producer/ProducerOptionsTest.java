package dev.skein.producer;

import dev.skein.core.Compression;
import dev.skein.core.errors.ConfigException;
import dev.skein.serdes.Serdes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProducerOptionsTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        ProducerOptions o = ProducerOptions.builder().bootstrapServers("a:1").build();
        assertFalse(o.client().hasClientId(), "unset: each producer names itself producer-<n> as it starts");
        assertEquals(ProducerOptions.DEFAULT_ACKS, o.acks());
        assertEquals(ProducerOptions.DEFAULT_LINGER, o.linger());
        assertEquals(ProducerOptions.DEFAULT_BATCH_SIZE, o.batchSize());
        assertEquals(ProducerOptions.DEFAULT_BUFFER_MEMORY, o.bufferMemory());
        assertEquals(ProducerOptions.DEFAULT_MAX_BLOCK, o.maxBlock());
        assertEquals(ProducerOptions.DEFAULT_DELIVERY_TIMEOUT, o.deliveryTimeout());
        assertEquals(ProducerOptions.DEFAULT_RETRIES, o.retries());
        assertEquals(ProducerOptions.DEFAULT_MAX_REQUEST_SIZE, o.maxRequestSize());
        assertEquals(ProducerOptions.DEFAULT_TRANSACTION_TIMEOUT, o.transactionTimeout());
        assertEquals(ProducerOptions.DEFAULT_METADATA_MAX_IDLE, o.metadataMaxIdle());
        assertTrue(o.idempotence());
        assertNull(o.transactionalId());
    }

    @Test
    void mutateKeepsEveryOptionAndChangesOnlyWhatIsSet() {
        Partitioner p = Partitioners.fnv1a();
        ProducerOptions a = ProducerOptions.builder().bootstrapServers("a:1").clientId("c").acks(Acks.ALL)
                .linger(Duration.ofMillis(9)).batchSize(1000).bufferMemory(1 << 22).maxBlock(Duration.ofSeconds(3))
                .deliveryTimeout(Duration.ofMinutes(3)).retries(7).idempotence(true).maxInFlight(2)
                .compression(Compression.LZ4).compressionLevel(Compression.LZ4, 5).maxRequestSize(4096).partitioner(p)
                .transactionalId("tx").transactionTimeout(Duration.ofSeconds(20)).metadataMaxIdle(Duration.ofSeconds(30)).build();
        ProducerOptions b = a.mutate().build();
        assertEquals(a.client().clientId(), b.client().clientId());
        assertEquals(a.client().bootstrapServers(), b.client().bootstrapServers());
        assertEquals(a.acks(), b.acks());
        assertEquals(a.linger(), b.linger());
        assertEquals(a.batchSize(), b.batchSize());
        assertEquals(a.bufferMemory(), b.bufferMemory());
        assertEquals(a.maxBlock(), b.maxBlock());
        assertEquals(a.deliveryTimeout(), b.deliveryTimeout());
        assertEquals(a.retries(), b.retries());
        assertEquals(a.idempotence(), b.idempotence());
        assertEquals(a.maxInFlight(), b.maxInFlight());
        assertEquals(a.compression(), b.compression());
        assertEquals(a.compressionLevel(), b.compressionLevel());
        assertEquals(a.maxRequestSize(), b.maxRequestSize());
        assertSame(a.partitioner(), b.partitioner());
        assertEquals(a.transactionalId(), b.transactionalId());
        assertEquals(a.transactionTimeout(), b.transactionTimeout());
        assertEquals(a.metadataMaxIdle(), b.metadataMaxIdle());

        ProducerOptions c = a.mutate().linger(Duration.ZERO).build();
        assertEquals(Duration.ZERO, c.linger());
        assertEquals(Duration.ofMillis(9), a.linger(), "the original is unchanged");
        assertEquals(a.batchSize(), c.batchSize());
    }

    @Test
    void anIdempotenceLeftToItsDefaultIsResolvedAgainOnMutate() {
        ProducerOptions a = ProducerOptions.builder().bootstrapServers("a:1").build();
        assertTrue(a.idempotence());
        ProducerOptions b = a.mutate().acks(Acks.LEADER).build();
        assertFalse(b.idempotence(), "acks=1 without enable.idempotence turns it off rather than failing");
        assertThrows(ConfigException.class, () -> a.mutate().idempotence(true).acks(Acks.LEADER).build());
    }

    @Test
    void propertiesMapOntoTheTypedSetters() {
        ProducerOptions typed = ProducerOptions.builder().bootstrapServers("a:1").acks(Acks.LEADER)
                .linger(Duration.ofMillis(20)).batchSize(65536).compression(Compression.ZSTD).compressionLevel(Compression.ZSTD, 3)
                .transactionTimeout(Duration.ofSeconds(30)).metadataMaxIdle(Duration.ofSeconds(10)).build();
        ProducerOptions props = ProducerOptions.builder().properties(Map.of("bootstrap.servers", "a:1", "acks", "1",
                "linger.ms", "20", "batch.size", "65536", "compression.type", "zstd", "compression.zstd.level", "3",
                "transaction.timeout.ms", "30000", "metadata.max.idle.ms", "10000")).build();
        assertEquals(typed.acks(), props.acks());
        assertEquals(typed.linger(), props.linger());
        assertEquals(typed.batchSize(), props.batchSize());
        assertEquals(typed.compression(), props.compression());
        assertEquals(typed.compressionLevel(), props.compressionLevel());
        assertEquals(typed.transactionTimeout(), props.transactionTimeout());
        assertEquals(typed.metadataMaxIdle(), props.metadataMaxIdle());
        assertEquals(typed.idempotence(), props.idempotence());
    }

    /** KIP-390: each codec its own level property and range; a level of another codec has no effect. */
    @Test
    void eachCodecsLevelIsCheckedAgainstItsOwnRangeAtBuildNamingItsKey() {
        assertEquals("compression.gzip.level", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").set("compression.type", "gzip").set("compression.gzip.level", "12").build()).key());
        assertEquals("compression.gzip.level", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").set("compression.type", "gzip").set("compression.gzip.level", "0").build()).key());
        assertEquals("compression.lz4.level", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").set("compression.type", "lz4").set("compression.lz4.level", "18").build()).key());
        assertEquals("compression.zstd.level", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").set("compression.type", "zstd").set("compression.zstd.level", "23").build()).key());
        // A level out of its codec's range is an error even when another codec is chosen, as Apache Kafka checks it.
        assertEquals("compression.lz4.level", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").set("compression.type", "gzip").set("compression.lz4.level", "0").build()).key());

        // A leftover zstd level, valid for zstd, neither fails a gzip producer nor becomes its level.
        ProducerOptions gzip = ProducerOptions.builder().bootstrapServers("a:1").set("compression.type", "gzip")
                .set("compression.zstd.level", "19").build();
        assertNull(gzip.compressionLevel(), "gzip keeps its default level");
        ProducerOptions both = ProducerOptions.builder().bootstrapServers("a:1").set("compression.type", "gzip")
                .set("compression.gzip.level", "-1").set("compression.gzip.level", "4").set("compression.zstd.level", "19")
                .build();
        assertEquals(4, both.compressionLevel(), "the chosen codec's own level, whatever was set after it");
    }

    @Test
    void badValuesFailAtBuildNamingTheProperty() {
        assertEquals("linger.ms", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").linger(Duration.ofMillis(-1)).build()).key());
        assertEquals("buffer.memory", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").bufferMemory(10).build()).key());
        assertEquals("retries", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").retries(-1).build()).key());
        assertEquals("transactional.id", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").transactionalId("").build()).key());
        assertEquals("delivery.timeout.ms", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").deliveryTimeout(Duration.ofSeconds(1)).build()).key());
        assertEquals("max.in.flight.requests.per.connection", assertThrows(ConfigException.class,
                () -> ProducerOptions.builder().bootstrapServers("a:1").idempotence(true).maxInFlight(6).build()).key());
        assertEquals("linger.ms", assertThrows(ConfigException.class,
                () -> ProducerOptions.builder().set("linger.ms", "soon")).key());
        assertEquals("lingr.ms", assertThrows(ConfigException.class,
                () -> ProducerOptions.builder().set("lingr.ms", "5")).key());
        assertEquals("bootstrap.servers", assertThrows(ConfigException.class,
                () -> ProducerOptions.builder().build()).key());
        // As Apache Kafka's producer: at least 5 s.
        assertEquals("metadata.max.idle.ms", assertThrows(ConfigException.class, () -> ProducerOptions.builder()
                .bootstrapServers("a:1").metadataMaxIdle(Duration.ofSeconds(4)).build()).key());
        assertEquals("metadata.max.idle.ms", assertThrows(ConfigException.class,
                () -> ProducerOptions.builder().set("metadata.max.idle.ms", "4999")).key());
        assertEquals("metadata.max.idle.ms", assertThrows(ConfigException.class,
                () -> ProducerOptions.builder().set("metadata.max.idle.ms", "never")).key());
    }

    @Test
    void theBuilderStartsFromGivenOptions() {
        ProducerOptions base = ProducerOptions.builder().bootstrapServers("a:1").linger(Duration.ofMillis(50)).build();
        ProducerOptions derived = Producer.builder(Serdes.string().serializer(), Serdes.string().serializer()).options(base).batchSize(1 << 20).options();
        assertEquals(Duration.ofMillis(50), derived.linger());
        assertEquals(1 << 20, derived.batchSize());
        assertEquals(16 * 1024, base.batchSize());
    }

    /** Public with a no-arg constructor, as {@code interceptor.classes} requires. */
    public static final class Tagging implements ProducerInterceptor<Object, Object> {}

    public static final class Counting implements ProducerInterceptor<Object, Object> {}

    /** Has no public no-arg constructor. */
    public static final class NeedsArgument implements ProducerInterceptor<Object, Object> {
        public NeedsArgument(String arg) {}
    }

    /** Its constructor throws. */
    public static final class Broken implements ProducerInterceptor<Object, Object> {
        public Broken() {
            throw new IllegalStateException("cannot start");
        }
    }

    @Test
    void interceptorClassesAreResolvedInTheOrderListedAndKeptByMutate() {
        ProducerOptions o = ProducerOptions.builder().bootstrapServers("a:1")
                .set("interceptor.classes", Counting.class.getName() + " , " + Tagging.class.getName()).build();
        assertEquals(java.util.List.of(Counting.class, Tagging.class), o.interceptorClasses());
        assertEquals(o.interceptorClasses(), o.mutate().build().interceptorClasses());
        ProducerOptions typed = ProducerOptions.builder().bootstrapServers("a:1")
                .set("interceptor.classes", java.util.List.of(Tagging.class, Counting.class.getName())).build();
        assertEquals(java.util.List.of(Tagging.class, Counting.class), typed.interceptorClasses());
        assertTrue(ProducerOptions.builder().bootstrapServers("a:1").build().interceptorClasses().isEmpty());
    }

    @Test
    void aBadInterceptorClassFailsAtBuildNamingTheKey() {
        for (Object bad : java.util.List.of("com.example.NoSuchInterceptor", String.class.getName(),
                NeedsArgument.class.getName(), ProducerInterceptor.class)) {
            ProducerOptions.Builder b = ProducerOptions.builder().bootstrapServers("a:1").set("interceptor.classes", bad);
            ConfigException e = assertThrows(ConfigException.class, b::build, "refused: " + bad);
            assertEquals("interceptor.classes", e.key());
            assertTrue(e.getMessage().contains(bad instanceof Class<?> c ? c.getName() : bad.toString()), e.getMessage());
        }
    }

    @Test
    void anInterceptorWhoseConstructorThrowsFailsTheProducerBuildNamingTheKey() {
        ProducerBuilder<String, String> b = Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers("a:1")
                .property("interceptor.classes", Broken.class.getName());
        ConfigException e = assertThrows(ConfigException.class, b::build);
        assertEquals("interceptor.classes", e.key());
        assertTrue(e.getMessage().contains("cannot start"), e.getMessage());
    }
}
