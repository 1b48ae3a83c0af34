package dev.skein.core.security;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How the built-in OAuth client-credentials source ({@link OAuthBearerTokenSource#clientCredentials})
 * refreshes and checks its tokens and retries its endpoint: the typed form of Kafka's
 * {@code sasl.login.refresh.*} settings (KIP-255, KIP-368), {@code sasl.login.retry.backoff.*}, {@code sasl.login.connect.timeout.ms},
 * {@code sasl.login.read.timeout.ms}, and {@code sasl.oauthbearer.clock.skew.seconds} and
 * {@code sasl.oauthbearer.sub.claim.name} (KIP-768). Immutable; {@link #mutate()} derives a changed copy.
 *
 * <p>A token is refreshed at {@code factor + jitter * random} of its lifetime (the time from the request
 * that fetched it to its expiry), but not sooner than the minimum period after that request and, where the
 * token lives long enough for both, not later than the buffer before its expiry. When the token lives
 * less than the minimum period plus the buffer, both are ignored. Never past the token's expiry.
 *
 * <p>Through {@code ClientOptions} these apply to the source made from
 * {@code sasl.oauthbearer.token.endpoint.url}; a source made in code takes them as an argument.
 */
public final class OAuthBearerLoginOptions {
    /** {@code sasl.login.refresh.window.factor}: the fraction of a token's lifetime after which it is refreshed. */
    public static final double DEFAULT_REFRESH_WINDOW_FACTOR = 0.8;
    /** {@code sasl.login.refresh.window.jitter}: at most this fraction of the lifetime is added at random. */
    public static final double DEFAULT_REFRESH_WINDOW_JITTER = 0.05;
    /** {@code sasl.login.refresh.min.period.seconds}: no refresh sooner than this after the token was fetched. */
    public static final Duration DEFAULT_REFRESH_MIN_PERIOD = Duration.ofSeconds(60);
    /** {@code sasl.login.refresh.buffer.seconds}: refresh at least this long before the token expires. */
    public static final Duration DEFAULT_REFRESH_BUFFER = Duration.ofSeconds(300);
    /** {@code sasl.login.retry.backoff.ms}: the wait after a failed token request before the next. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    /** {@code sasl.login.retry.backoff.max.ms}: the wait doubles per failure in a row up to this. */
    public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(10);
    /**
     * {@code sasl.login.connect.timeout.ms}: how long connecting to the token endpoint may take. Kafka sets
     * none by default; Skein 10 s, which the connection's own {@code socket.connection.setup.timeout.ms} bounds.
     */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** {@code sasl.login.read.timeout.ms}: how long the endpoint's answer may take once asked (Kafka: none; Skein: 10 s). */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    /** {@code sasl.oauthbearer.clock.skew.seconds}: how far the identity provider's clock may be from ours. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
    /** {@code sasl.oauthbearer.sub.claim.name}: the claim that names the principal. */
    public static final String DEFAULT_SUB_CLAIM_NAME = "sub";

    /** The standard property names {@link Builder#set} accepts. */
    public static final Set<String> KEYS = Set.of("sasl.login.refresh.window.factor", "sasl.login.refresh.window.jitter",
            "sasl.login.refresh.min.period.seconds", "sasl.login.refresh.buffer.seconds", "sasl.login.retry.backoff.ms",
            "sasl.login.retry.backoff.max.ms", "sasl.login.connect.timeout.ms", "sasl.login.read.timeout.ms",
            "sasl.oauthbearer.clock.skew.seconds", "sasl.oauthbearer.sub.claim.name");

    private static final OAuthBearerLoginOptions DEFAULTS = builder().build();

    private final double refreshWindowFactor;
    private final double refreshWindowJitter;
    private final Duration refreshMinPeriod;
    private final Duration refreshBuffer;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration clockSkew;
    private final String subClaimName;

    private OAuthBearerLoginOptions(Builder b) {
        this.refreshWindowFactor = b.refreshWindowFactor;
        this.refreshWindowJitter = b.refreshWindowJitter;
        this.refreshMinPeriod = b.refreshMinPeriod;
        this.refreshBuffer = b.refreshBuffer;
        this.retryBackoff = b.retryBackoff;
        this.retryBackoffMax = b.retryBackoffMax;
        this.connectTimeout = b.connectTimeout;
        this.readTimeout = b.readTimeout;
        this.clockSkew = b.clockSkew;
        this.subClaimName = b.subClaimName.trim();
    }

    /** Every setting at its default. */
    public static OAuthBearerLoginOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this instance's values. */
    public Builder mutate() {
        Builder b = new Builder();
        b.refreshWindowFactor = refreshWindowFactor;
        b.refreshWindowJitter = refreshWindowJitter;
        b.refreshMinPeriod = refreshMinPeriod;
        b.refreshBuffer = refreshBuffer;
        b.retryBackoff = retryBackoff;
        b.retryBackoffMax = retryBackoffMax;
        b.connectTimeout = connectTimeout;
        b.readTimeout = readTimeout;
        b.clockSkew = clockSkew;
        b.subClaimName = subClaimName;
        return b;
    }

    /** {@code sasl.login.refresh.window.factor}, in [0.5, 1.0]. */
    public double refreshWindowFactor() { return refreshWindowFactor; }

    /** {@code sasl.login.refresh.window.jitter}, in [0, 0.25]. */
    public double refreshWindowJitter() { return refreshWindowJitter; }

    /** {@code sasl.login.refresh.min.period.seconds}, 0 to 900 s. */
    public Duration refreshMinPeriod() { return refreshMinPeriod; }

    /** {@code sasl.login.refresh.buffer.seconds}, 0 to 3600 s. */
    public Duration refreshBuffer() { return refreshBuffer; }

    /**
     * {@code sasl.login.retry.backoff.ms}: after a failed token request the endpoint is not asked again
     * for this long, doubled per failure in a row up to {@link #retryBackoffMax()}, +/-20% (KIP-580's
     * formula, as every Skein retry); callers in between fail at once, retriably.
     */
    public Duration retryBackoff() { return retryBackoff; }

    /** {@code sasl.login.retry.backoff.max.ms}: the longest wait between token requests. */
    public Duration retryBackoffMax() { return retryBackoffMax; }

    /** {@code sasl.login.connect.timeout.ms}: connecting to the token endpoint fails, retriably, after this. */
    public Duration connectTimeout() { return connectTimeout; }

    /** {@code sasl.login.read.timeout.ms}: a token request unanswered this long fails, retriably. */
    public Duration readTimeout() { return readTimeout; }

    /** {@code sasl.oauthbearer.clock.skew.seconds}: a token expired less than this long ago is still taken. */
    public Duration clockSkew() { return clockSkew; }

    /** {@code sasl.oauthbearer.sub.claim.name}: the claim that must name the principal, a string. */
    public String subClaimName() { return subClaimName; }

    @Override
    public String toString() {
        return "OAuthBearerLoginOptions(refresh=" + refreshWindowFactor + "+" + refreshWindowJitter + ", minPeriod="
                + refreshMinPeriod + ", buffer=" + refreshBuffer + ", retryBackoff=" + retryBackoff + ".."
                + retryBackoffMax + ", timeouts=" + connectTimeout + "/" + readTimeout + ", clockSkew=" + clockSkew + ", subClaim="
                + subClaimName + ")";
    }

    /** Builder of {@link OAuthBearerLoginOptions}; {@link #build()} validates, naming the Kafka key at fault. */
    public static final class Builder {
        private double refreshWindowFactor = DEFAULT_REFRESH_WINDOW_FACTOR;
        private double refreshWindowJitter = DEFAULT_REFRESH_WINDOW_JITTER;
        private Duration refreshMinPeriod = DEFAULT_REFRESH_MIN_PERIOD;
        private Duration refreshBuffer = DEFAULT_REFRESH_BUFFER;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private Duration retryBackoffMax = DEFAULT_RETRY_BACKOFF_MAX;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;
        private String subClaimName = DEFAULT_SUB_CLAIM_NAME;

        private Builder() {}

        /** {@code sasl.login.refresh.window.factor}. Default {@link #DEFAULT_REFRESH_WINDOW_FACTOR}. */
        public Builder refreshWindowFactor(double factor) {
            this.refreshWindowFactor = factor;
            return this;
        }

        /** {@code sasl.login.refresh.window.jitter}. Default {@link #DEFAULT_REFRESH_WINDOW_JITTER}. */
        public Builder refreshWindowJitter(double jitter) {
            this.refreshWindowJitter = jitter;
            return this;
        }

        /** {@code sasl.login.refresh.min.period.seconds}. Default {@link #DEFAULT_REFRESH_MIN_PERIOD}. */
        public Builder refreshMinPeriod(Duration d) {
            this.refreshMinPeriod = Objects.requireNonNull(d, "refreshMinPeriod");
            return this;
        }

        /** {@code sasl.login.refresh.buffer.seconds}. Default {@link #DEFAULT_REFRESH_BUFFER}. */
        public Builder refreshBuffer(Duration d) {
            this.refreshBuffer = Objects.requireNonNull(d, "refreshBuffer");
            return this;
        }

        /**
         * {@code sasl.login.retry.backoff.ms} and {@code sasl.login.retry.backoff.max.ms}. Defaults
         * {@link #DEFAULT_RETRY_BACKOFF} and {@link #DEFAULT_RETRY_BACKOFF_MAX}.
         */
        public Builder retryBackoff(Duration initial, Duration max) {
            this.retryBackoff = Objects.requireNonNull(initial, "initial");
            this.retryBackoffMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * {@code sasl.login.connect.timeout.ms} and {@code sasl.login.read.timeout.ms}. Defaults
         * {@link #DEFAULT_CONNECT_TIMEOUT} and {@link #DEFAULT_READ_TIMEOUT}.
         */
        public Builder timeouts(Duration connect, Duration read) {
            this.connectTimeout = Objects.requireNonNull(connect, "connect");
            this.readTimeout = Objects.requireNonNull(read, "read");
            return this;
        }

        /** {@code sasl.oauthbearer.clock.skew.seconds}. Default {@link #DEFAULT_CLOCK_SKEW}. */
        public Builder clockSkew(Duration d) {
            this.clockSkew = Objects.requireNonNull(d, "clockSkew");
            return this;
        }

        /** {@code sasl.oauthbearer.sub.claim.name}. Default {@link #DEFAULT_SUB_CLAIM_NAME}. */
        public Builder subClaimName(String name) {
            this.subClaimName = Objects.requireNonNull(name, "subClaimName");
            return this;
        }

        /**
         * Sets one option by its standard Kafka property name, one of {@link #KEYS}; the value is a string
         * or the typed value. Ranges are checked by {@link #build()}.
         *
         * @throws ConfigException naming the key when it is not one of {@link #KEYS} or its value does not parse
         */
        public Builder set(String key, Object value) {
            switch (key) {
                case "sasl.login.refresh.window.factor" ->
                        refreshWindowFactor(ConfigValues.doubleValue(key, value, Double.NEGATIVE_INFINITY, Double.MAX_VALUE));
                case "sasl.login.refresh.window.jitter" ->
                        refreshWindowJitter(ConfigValues.doubleValue(key, value, Double.NEGATIVE_INFINITY, Double.MAX_VALUE));
                case "sasl.login.refresh.min.period.seconds" -> refreshMinPeriod(seconds(key, value));
                case "sasl.login.refresh.buffer.seconds" -> refreshBuffer(seconds(key, value));
                case "sasl.login.retry.backoff.ms" -> retryBackoff(millis(key, value), retryBackoffMax);
                case "sasl.login.retry.backoff.max.ms" -> retryBackoff(retryBackoff, millis(key, value));
                case "sasl.login.connect.timeout.ms" -> timeouts(millis(key, value), readTimeout);
                case "sasl.login.read.timeout.ms" -> timeouts(connectTimeout, millis(key, value));
                case "sasl.oauthbearer.clock.skew.seconds" -> clockSkew(seconds(key, value));
                case "sasl.oauthbearer.sub.claim.name" -> subClaimName(ConfigValues.string(key, value));
                default -> throw new ConfigException(key, "unknown configuration key");
            }
            return this;
        }

        private static Duration seconds(String key, Object value) {
            return value instanceof Duration d ? d : Duration.ofSeconds(ConfigValues.longValue(key, value,
                    Long.MIN_VALUE / 1000, Long.MAX_VALUE / 1000));
        }

        private static Duration millis(String key, Object value) {
            return value instanceof Duration d ? d : Duration.ofMillis(ConfigValues.longValue(key, value,
                    Long.MIN_VALUE, Long.MAX_VALUE));
        }

        /** @throws ConfigException naming the key whose value is outside Kafka's range for it */
        public OAuthBearerLoginOptions build() {
            ConfigValues.doubleValue("sasl.login.refresh.window.factor", refreshWindowFactor, 0.5, 1.0);
            ConfigValues.doubleValue("sasl.login.refresh.window.jitter", refreshWindowJitter, 0.0, 0.25);
            checkSeconds("sasl.login.refresh.min.period.seconds", refreshMinPeriod, 900);
            checkSeconds("sasl.login.refresh.buffer.seconds", refreshBuffer, 3600);
            if (retryBackoff.isNegative()) {
                throw new ConfigException("sasl.login.retry.backoff.ms", "must not be negative, was " + retryBackoff.toMillis());
            }
            if (retryBackoffMax.compareTo(retryBackoff) < 0) {
                throw new ConfigException("sasl.login.retry.backoff.max.ms", "must be at least sasl.login.retry.backoff.ms");
            }
            ConfigValues.millis("sasl.login.connect.timeout.ms", connectTimeout, 1);
            ConfigValues.millis("sasl.login.read.timeout.ms", readTimeout, 1);
            checkSeconds("sasl.oauthbearer.clock.skew.seconds", clockSkew, Long.MAX_VALUE / 1000);
            if (subClaimName.isBlank()) {
                throw new ConfigException("sasl.oauthbearer.sub.claim.name", "must not be blank");
            }
            return new OAuthBearerLoginOptions(this);
        }

        private static void checkSeconds(String key, Duration d, long maxSeconds) {
            if (d.isNegative() || d.compareTo(Duration.ofSeconds(maxSeconds)) > 0) {
                throw new ConfigException(key, "must be in [0, " + maxSeconds + "] seconds, was " + d.toSeconds());
            }
        }
    }
}
