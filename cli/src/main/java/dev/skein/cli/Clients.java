package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.AdminOptions;
import dev.skein.admin.TopicDescription;
import dev.skein.consumer.ConsumerBuilder;
import dev.skein.core.ClientOptions;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.UnknownTopicException;
import dev.skein.producer.ProducerBuilder;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The client properties a command line gives: {@code --config} file, then {@code -X} entries, then
 * {@code --bootstrap}. Also the small admin helpers commands share.
 */
final class Clients {
    static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    /** How long the CLI waits for a cluster before saying it cannot reach it. */
    static final Duration API_TIMEOUT = Duration.ofSeconds(15);

    private Clients() {}

    static Map<String, Object> properties(GlobalOptions global) {
        Map<String, Object> props = new LinkedHashMap<>();
        if (global.config != null) {
            Properties file = new Properties();
            try (Reader r = Files.newBufferedReader(global.config)) {
                file.load(r);
            } catch (IOException e) {
                throw new UsageException("cannot read --config " + global.config + ": " + e.getMessage(), e);
            }
            file.stringPropertyNames().forEach(k -> props.put(k, file.getProperty(k)));
        }
        props.putAll(global.properties);
        if (global.bootstrap != null) {
            props.put("bootstrap.servers", global.bootstrap);
        }
        props.putIfAbsent("bootstrap.servers", DEFAULT_BOOTSTRAP);
        return props;
    }

    /**
     * The properties a producer takes: client-wide ones and producer ones. A key that neither a producer
     * nor a consumer knows is kept, so the builder names it as unknown.
     */
    static Map<String, Object> producerProperties(GlobalOptions global) {
        return only(properties(global), ProducerBuilder.PROPERTY_NAMES,
                ConsumerBuilder.PROPERTY_NAMES);
    }

    /** The properties a consumer takes (see {@link #producerProperties}). */
    static Map<String, Object> consumerProperties(GlobalOptions global) {
        return only(properties(global), ConsumerBuilder.PROPERTY_NAMES,
                ProducerBuilder.PROPERTY_NAMES);
    }

    /**
     * Sets {@code key} from a command's flag: when the flag was given, or when {@code --config}/{@code -X}
     * did not set the key. A flag's default never overrides a property the user gave, as Apache Kafka's
     * console tools merge them; a flag given explicitly wins.
     */
    static void flag(Map<String, Object> props, String key, Object value, boolean flagGiven) {
        if (flagGiven || !props.containsKey(key)) {
            props.put(key, value);
        }
    }

    private static Map<String, Object> only(Map<String, Object> all, Set<String> mine, Set<String> theirs) {
        Map<String, Object> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (mine.contains(k) || !theirs.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * What an admin client takes: the client-wide properties (connection, timeouts, security) and its
     * own. A key that neither a producer nor a consumer knows is kept, so the builder names it as unknown
     * (dropped, {@code topics list -X bogus=1} ran as if it had not been given).
     */
    static Map<String, Object> commonProperties(GlobalOptions global) {
        Map<String, Object> out = new LinkedHashMap<>();
        properties(global).forEach((k, v) -> {
            if (ClientOptions.KEYS.contains(k) || AdminOptions.KEYS.contains(k)
                    || (!ProducerBuilder.PROPERTY_NAMES.contains(k) && !ConsumerBuilder.PROPERTY_NAMES.contains(k))) {
                out.put(k, v);
            }
        });
        return out;
    }

    static Admin admin(GlobalOptions global) {
        return Admin.builder().defaultApiTimeout(API_TIMEOUT).properties(commonProperties(global)).build();
    }

    /** The topic's description, or a one-line failure saying it does not exist or the cluster is unreachable. */
    static TopicDescription requireTopic(Admin admin, String topic, GlobalOptions global) {
        try {
            return await(admin.topics().describe(List.of(topic)).get(topic), global);
        } catch (CliException e) {
            if (e.getCause() instanceof UnknownTopicException) {
                throw new CliException("topic " + topic + " does not exist");
            }
            throw e;
        }
    }

    /**
     * Fails naming {@code --broker ID} unless metadata lists that broker: a call routed to a broker id the
     * cluster lacks would be retried as unreachable for the whole timeout, then blame the network.
     */
    static void requireBrokers(Admin admin, Collection<Integer> ids, GlobalOptions global) {
        Set<Integer> known = new TreeSet<>();
        await(admin.cluster().describe(), global).brokers().forEach(n -> known.add(n.id()));
        for (int id : ids) {
            if (!known.contains(id)) {
                throw new CliException("--broker " + id + ": no such broker (the cluster has " + known + ")");
            }
        }
    }

    /** A bad command line unless {@code partition} (when given) is one of the topic's. */
    static void checkPartition(TopicDescription d, Integer partition) {
        int n = d.partitions().size();
        if (partition != null && (partition < 0 || partition >= n)) {
            throw new UsageException("--partition " + partition + ": topic " + d.name() + " has partitions 0.."
                    + (n - 1));
        }
    }

    /** As {@link #requireTopic(Admin, String, GlobalOptions)}, through an admin client of its own. */
    static TopicDescription requireTopic(GlobalOptions global, String topic) {
        try (Admin admin = admin(global)) {
            return requireTopic(admin, topic, global);
        }
    }

    static CliException unreachable(GlobalOptions global, Throwable cause) {
        if (cause instanceof dev.skein.core.errors.TimeoutException || cause instanceof java.util.concurrent.TimeoutException
                || cause instanceof NetworkException) {
            return new CliException("cannot reach the cluster at " + properties(global).get("bootstrap.servers") + " ("
                    + Cli.describe(cause) + ")", cause);
        }
        return new CliException(Cli.describe(cause), cause);
    }

    /** Waits for a future of a CLI call, turning failures into one clear line. */
    static <T> T await(Future<T> f, GlobalOptions global) {
        try {
            return f.get(API_TIMEOUT.toSeconds() * 4, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw unreachable(global, e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw unreachable(global, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    /**
     * A consume whose stdout failed (a closed pipe): Java's {@code PrintStream} swallows the error, so
     * the command asks {@code checkError()} after each batch and stops rather than read (and commit, or
     * accept) records no one gets.
     */
    static CliException stdoutClosed(long delivered) {
        return new CliException("cannot write to stdout (closed?); stopped after " + delivered
                + " records, and the records of the last batch are not committed");
    }

    /** Quiet unless --verbose: client logs go to stderr through slf4j-simple. */
    static void logging(GlobalOptions global) {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", global.verbose ? "info" : "warn");
    }
}
