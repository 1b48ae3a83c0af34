package dev.skein.admin;

import java.util.List;

/**
 * One config as the cluster reports it. {@code value} is null for a sensitive config (a password,
 * say) or one without a value; {@code synonyms} lists where else it is set, most specific first.
 */
public record ConfigEntry(String name, String value, Source source, boolean sensitive, boolean readOnly,
                          List<Synonym> synonyms) {

    /** Where a value comes from. */
    public enum Source {
        UNKNOWN(0), DYNAMIC_TOPIC_CONFIG(1), DYNAMIC_BROKER_CONFIG(2), DYNAMIC_DEFAULT_BROKER_CONFIG(3),
        STATIC_BROKER_CONFIG(4), DEFAULT_CONFIG(5), DYNAMIC_BROKER_LOGGER_CONFIG(6), CLIENT_METRICS_CONFIG(7),
        GROUP_CONFIG(8);

        private final byte code;

        Source(int code) {
            this.code = (byte) code;
        }

        public static Source forCode(byte code) {
            for (Source s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return UNKNOWN;
        }
    }

    public record Synonym(String name, String value, Source source) {}

    /** True when the value was set for this resource rather than inherited or defaulted. */
    public boolean isDefault() {
        return source == Source.DEFAULT_CONFIG;
    }
}
