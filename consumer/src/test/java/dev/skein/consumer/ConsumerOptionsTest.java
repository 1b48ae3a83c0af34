package dev.skein.consumer;

import dev.skein.core.ClientOptions;
import dev.skein.core.errors.ConfigException;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed options: mutate() copies, the property names adapt onto the setters, build() names the key at fault. */
class ConsumerOptionsTest {

    private static ConsumerOptions.Builder base() {
        return ConsumerOptions.builder().bootstrapServers("127.0.0.1:1").groupId("g");
    }

    /** Every option away from its default, on the classic protocol. */
    private static ConsumerOptions everythingSet() {
        return ConsumerOptions.builder()
                .bootstrapServers("k1:9092,k2:9092")
                .clientId("reader-1")
                .requestTimeout(Duration.ofSeconds(7))
                .client(c -> c.retryBackoff(Duration.ofMillis(50), Duration.ofSeconds(2)))
                .groupId("billing")
                .groupInstanceId("billing-1")
                .delivery(Delivery.MANUAL)
                .offsetReset(Duration.ofHours(6))
                .autoCommit(true)
                .autoCommitInterval(Duration.ofSeconds(2))
                .maxPollRecords(42)
                .maxPollInterval(Duration.ofMinutes(1))
                .sessionTimeout(Duration.ofSeconds(20))
                .heartbeatInterval(Duration.ofSeconds(2))
                .fetchMinBytes(10)
                .fetchMaxBytes(8 * 1024 * 1024)
                .fetchMaxWait(Duration.ofMillis(100))
                .maxPartitionFetchBytes(64 * 1024)
                .isolation(IsolationLevel.READ_COMMITTED)
                .groupProtocol(GroupProtocol.CLASSIC)
                .assignors(ClassicAssignor.STICKY, ClassicAssignor.ROUND_ROBIN)
                .rack("rack-a")
                .checkCrcs(false)
                .allowAutoCreateTopics(false)
                .bufferMaxBytes(4L * 1024 * 1024)
                .defaultApiTimeout(Duration.ofSeconds(30))
                .interceptorClasses(List.of(Counting.class))
                .build();
    }

    /** Public with a no-arg constructor, as {@code interceptor.classes} requires. */
    public static final class Counting implements ConsumerInterceptor<Object, Object> {}

    /** Has no public no-arg constructor. */
    public static final class NeedsArgument implements ConsumerInterceptor<Object, Object> {
        public NeedsArgument(String arg) {}
    }

    @Test
    void interceptorClassesAreResolvedInOrderAndABadOneFailsAtBuildNamingTheKey() {
        ConsumerOptions o = base().set("interceptor.classes", Counting.class.getName()).build();
        assertEquals(List.of(Counting.class), o.interceptorClasses());
        for (Object bad : List.of("com.example.NoSuchInterceptor", String.class.getName(), NeedsArgument.class.getName())) {
            ConsumerOptions.Builder b = base().set("interceptor.classes", bad);
            ConfigException e = assertThrows(ConfigException.class, b::build, "refused: " + bad);
            assertEquals("interceptor.classes", e.key());
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        }
        ConfigException share = assertThrows(ConfigException.class, () -> ShareConsumer.builder(
                dev.skein.serdes.Serdes.string(), dev.skein.serdes.Serdes.string()).property("bootstrap.servers", "a:1")
                .property("group.id", "g").property("interceptor.classes", Counting.class.getName()).build());
        assertEquals("interceptor.classes", share.key());
    }

    @Test
    void mutateRoundTripsEveryOption() {
        ConsumerOptions a = everythingSet();
        assertSameOptions(a, a.mutate().build(), Set.of());
        assertEquals(List.of("session.timeout.ms", "heartbeat.interval.ms", "partition.assignment.strategy"),
                a.classicOnlyOptions());
        assertEquals(Duration.ofHours(6), a.offsetResetDuration());
        assertEquals(OffsetReset.BY_DURATION, a.offsetReset());

        // The options only the consumer protocol takes.
        ConsumerOptions b = base().clientId("c").groupProtocol(GroupProtocol.CONSUMER).remoteAssignor("uniform").build();
        assertSameOptions(b, b.mutate().build(), Set.of());
        assertEquals("uniform", b.mutate().build().remoteAssignor());
    }

    @Test
    void aMutatedCopyChangesOnlyWhatWasSetAndLeavesTheOriginalAlone() {
        ConsumerOptions a = everythingSet();
        ConsumerOptions b = a.mutate().maxPollRecords(10).build();
        assertEquals(10, b.maxPollRecords());
        assertEquals(42, a.maxPollRecords());
        assertSameOptions(a, b, Set.of("maxPollRecords"));
    }

    @Test
    void anIsolationLevelLeftUnsetStaysUnsetInACopy() {
        ConsumerOptions eos = base().delivery(Delivery.EXACTLY_ONCE).build();
        assertEquals(IsolationLevel.READ_COMMITTED, eos.isolation(), "EXACTLY_ONCE reads read_committed");
        assertEquals(IsolationLevel.READ_UNCOMMITTED, eos.mutate().delivery(Delivery.AT_LEAST_ONCE).build().isolation(),
                "resolved for EXACTLY_ONCE, not set: the copy resolves it again");

        ConsumerOptions explicit = base().isolation(IsolationLevel.READ_UNCOMMITTED).build();
        ConfigException e = assertThrows(ConfigException.class,
                () -> explicit.mutate().delivery(Delivery.EXACTLY_ONCE).build());
        assertEquals("isolation.level", e.key());
    }

    @Test
    void classicOnlyOptionsSetStayRecordedInACopy() {
        ConsumerOptions auto = base().sessionTimeout(Duration.ofSeconds(10)).build();
        assertEquals(List.of("session.timeout.ms"), auto.classicOnlyOptions());
        ConfigException e = assertThrows(ConfigException.class,
                () -> auto.mutate().groupProtocol(GroupProtocol.CONSUMER).build());
        assertEquals("session.timeout.ms", e.key());
    }

    @Test
    void thePropertyNamesGiveWhatTheTypedSettersGive() {
        Map<String, Object> props = Map.ofEntries(
                Map.entry("group.instance.id", "m-1"),
                Map.entry("max.poll.records", "77"),
                Map.entry("fetch.max.wait.ms", "250"),
                Map.entry("session.timeout.ms", 12_000),
                Map.entry("isolation.level", "READ_COMMITTED"),
                Map.entry("partition.assignment.strategy",
                        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
                Map.entry("auto.offset.reset", "by_duration:P1DT6H"),
                Map.entry("skein.delivery", "at-most-once"),
                Map.entry("skein.buffer.max.bytes", 2048L),
                Map.entry("check.crcs", "false"),
                Map.entry("allow.auto.create.topics", "false"),
                Map.entry("client.rack", "rack-b"),
                Map.entry("client.id", "reader-2"));
        ConsumerOptions byName = base().properties(props).build();
        ConsumerOptions typed = base()
                .clientId("reader-2")
                .groupInstanceId("m-1")
                .maxPollRecords(77)
                .fetchMaxWait(Duration.ofMillis(250))
                .sessionTimeout(Duration.ofSeconds(12))
                .isolation(IsolationLevel.READ_COMMITTED)
                .assignors(ClassicAssignor.COOPERATIVE_STICKY)
                .offsetReset(Duration.ofHours(30))
                .delivery(Delivery.AT_MOST_ONCE)
                .bufferMaxBytes(2048)
                .checkCrcs(false)
                .allowAutoCreateTopics(false)
                .rack("rack-b")
                .build();
        assertSameOptions(typed, byName, Set.of("classicOnlyOptions"));
        assertEquals(Set.copyOf(typed.classicOnlyOptions()), Set.copyOf(byName.classicOnlyOptions()));

        Properties p = new Properties();
        p.setProperty("group.protocol", "consumer");
        p.setProperty("group.remote.assignor", "range");
        p.setProperty("default.api.timeout.ms", "9000");
        p.setProperty("client.id", "reader-3");
        assertSameOptions(base().clientId("reader-3").groupProtocol(GroupProtocol.CONSUMER).remoteAssignor("range")
                .defaultApiTimeout(Duration.ofSeconds(9)).build(), base().properties(p).build(), Set.of());
    }

    @Test
    void aValueOutOfRangeFailsAtBuildNamingTheProperty() {
        Map<String, UnaryOperator<ConsumerOptions.Builder>> bad = Map.of(
                "max.poll.records", b -> b.maxPollRecords(0),
                "fetch.max.bytes", b -> b.fetchMaxBytes(0),
                "fetch.min.bytes", b -> b.fetchMinBytes(-1),
                "max.partition.fetch.bytes", b -> b.maxPartitionFetchBytes(0),
                "skein.buffer.max.bytes", b -> b.bufferMaxBytes(1023),
                "fetch.max.wait.ms", b -> b.fetchMaxWait(Duration.ofMillis(-1)),
                "max.poll.interval.ms", b -> b.maxPollInterval(Duration.ZERO),
                "default.api.timeout.ms", b -> b.defaultApiTimeout(Duration.ZERO),
                "auto.commit.interval.ms", b -> b.autoCommitInterval(Duration.ZERO),
                "auto.offset.reset", b -> b.offsetReset(Duration.ofHours(-1)));
        bad.forEach((key, change) -> {
            ConsumerOptions.Builder b = change.apply(base());
            ConfigException e = assertThrows(ConfigException.class, b::build, key);
            assertEquals(key, e.key());
            assertTrue(e.getMessage().contains(key), e.getMessage());
        });
        // the same bound through the property name, refused as it is read
        ConfigException e = assertThrows(ConfigException.class, () -> base().set("max.poll.records", "0"));
        assertEquals("max.poll.records", e.key());
        e = assertThrows(ConfigException.class, () -> base().set("allow.auto.create.topics", "sometimes"));
        assertEquals("allow.auto.create.topics", e.key());
    }

    @Test
    void aTypedClassicOnlySetterIsRefusedUnderTheConsumerProtocolNamingItsProperty() {
        Map<String, Function<ConsumerOptions.Builder, ConsumerOptions.Builder>> classicOnly = Map.of(
                "session.timeout.ms", b -> b.sessionTimeout(Duration.ofSeconds(10)),
                "heartbeat.interval.ms", b -> b.heartbeatInterval(Duration.ofSeconds(1)),
                "partition.assignment.strategy", b -> b.assignors(ClassicAssignor.RANGE));
        classicOnly.forEach((key, set) -> {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> set.apply(base().groupProtocol(GroupProtocol.CONSUMER)).build(), key);
            assertEquals(key, e.key());
            assertTrue(e.getMessage().contains("classic group protocol only"), e.getMessage());
        });
    }

    @Test
    void anUnsetClientIdIsMadeAsApacheKafkasConsumerMakesItOnePerBuild() {
        String a = base().build().client().clientId();
        String b = base().build().client().clientId();
        assertTrue(a.matches("consumer-g-\\d+"), a);
        assertTrue(b.matches("consumer-g-\\d+"), b);
        assertNotEquals(a, b, "two consumers' options, two ids");
        String none = ConsumerOptions.builder().bootstrapServers("127.0.0.1:1").delivery(Delivery.MANUAL).build()
                .client().clientId();
        assertTrue(none.matches("consumer-\\d+"), "without a group: " + none);
        ConsumerOptions made = base().build();
        assertNotEquals(made.client().clientId(), made.mutate().build().client().clientId(),
                "a copy built again is another consumer's: a new id");
        for (ConsumerOptions.Builder set : List.of(base().clientId("billing-1"), base().set("client.id", "billing-1"),
                base().client(c -> c.clientId("billing-1")))) {
            ConsumerOptions o = set.build();
            assertEquals("billing-1", o.client().clientId());
            assertEquals("billing-1", o.mutate().build().client().clientId(), "a set id is kept by mutate()");
        }
    }

    @Test
    void anUnknownKeyIsRefusedNamingIt() {
        for (String key : List.of("max.poll.record", "no.such.option")) {
            ConfigException e = assertThrows(ConfigException.class, () -> base().set(key, "1"), key);
            assertEquals(key, e.key());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> base().set("value.deserializer", "x"));
        assertEquals("value.deserializer", e.key());
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        ConsumerOptions o = base().build();
        assertTrue(o.client().clientId().matches("consumer-g-\\d+"), o.client().clientId());
        assertEquals(ConsumerOptions.DEFAULT_MAX_POLL_RECORDS, o.maxPollRecords());
        assertEquals(ConsumerOptions.DEFAULT_ASSIGNORS, o.assignors());
        assertEquals(ConsumerOptions.DEFAULT_ISOLATION, o.isolation());
        assertEquals(ConsumerOptions.DEFAULT_BUFFER_MAX_BYTES, o.bufferMaxBytes());
        assertEquals(List.of(), o.classicOnlyOptions());
        assertTrue(o.allowAutoCreateTopics(), "allow.auto.create.topics: on, as Apache Kafka's consumer");
        assertEquals(ConsumerOptions.DEFAULT_ALLOW_AUTO_CREATE_TOPICS, o.allowAutoCreateTopics());
        assertEquals(ConsumerOptions.KEYS, ConsumerBuilder.PROPERTY_NAMES);
    }

    /**
     * Compares every public accessor of both except those named, and the client options this test sets
     * (that {@link ClientOptions#mutate()} copies them all is client-core's to test).
     */
    private static void assertSameOptions(ConsumerOptions expected, ConsumerOptions actual, Set<String> except) {
        int compared = compareAccessors(ConsumerOptions.class, expected, actual, except);
        assertEquals(26 - except.size(), compared, "accessors compared");
        ClientOptions e = expected.client();
        ClientOptions a = actual.client();
        assertEquals(e.bootstrapServers(), a.bootstrapServers());
        assertEquals(e.clientId(), a.clientId());
        assertEquals(e.requestTimeout(), a.requestTimeout());
        assertEquals(e.retryBackoff(), a.retryBackoff());
        assertEquals(e.retryBackoffMax(), a.retryBackoffMax());
    }

    private static <T> int compareAccessors(Class<T> type, T expected, T actual, Set<String> except) {
        int compared = 0;
        Method[] methods = type.getDeclaredMethods();
        Arrays.sort(methods, (x, y) -> x.getName().compareTo(y.getName()));
        for (Method m : methods) {
            if (!Modifier.isPublic(m.getModifiers()) || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0
                    || m.getReturnType() == void.class || Set.of("toString", "hashCode", "mutate", "client").contains(m.getName())
                    || except.contains(m.getName())) {
                continue;
            }
            try {
                assertEquals(m.invoke(expected), m.invoke(actual), type.getSimpleName() + "." + m.getName() + "()");
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            compared++;
        }
        return compared;
    }
}
