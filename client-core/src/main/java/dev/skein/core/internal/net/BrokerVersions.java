package dev.skein.core.internal.net;

import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiVersionsResponse;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The API version ranges one broker advertised in ApiVersions, and the version this client uses for
 * each: the highest that both support. Also the finalized feature levels the handshake reported.
 */
public final class BrokerVersions {
    private final short[] min = new short[ApiKey.values().length];
    private final short[] max = new short[ApiKey.values().length];
    private final String broker;
    private final Map<String, Short> finalizedFeatures = new HashMap<>();

    BrokerVersions(ApiVersionsResponse response, String broker) {
        this.broker = broker;
        if (response.finalizedFeatures() != null) {
            response.finalizedFeatures().forEach(f -> finalizedFeatures.put(f.name(), f.maxVersionLevel()));
        }
        Arrays.fill(min, (short) -1);
        Arrays.fill(max, (short) -1);
        for (ApiVersionsResponse.ApiVersion v : response.apiKeys()) {
            ApiKey key = ApiKey.forId(v.apiKey());
            if (key != null) {
                min[key.ordinal()] = v.minVersion();
                max[key.ordinal()] = v.maxVersion();
            }
        }
    }

    /** True when the broker offers some version of {@code api} that this client also speaks. */
    public boolean supports(ApiKey api) {
        short hi = (short) Math.min(max[api.ordinal()], api.highestStableVersion());
        short lo = (short) Math.max(min[api.ordinal()], api.lowestVersion());
        return max[api.ordinal()] >= 0 && hi >= lo;
    }

    /**
     * The highest version of {@code api} that both sides support.
     *
     * @throws UnsupportedVersionException naming the API and both ranges when there is none
     */
    public short version(ApiKey api) {
        if (!supports(api)) {
            String theirs = max[api.ordinal()] < 0 ? "does not offer it"
                    : "offers versions " + min[api.ordinal()] + "-" + max[api.ordinal()];
            throw new UnsupportedVersionException(broker + " and this client share no version of " + api.displayName()
                    + ": the broker " + theirs + ", the client speaks " + api.lowestVersion() + "-"
                    + api.highestStableVersion() + KafkaReleases.needs(api));
        }
        return (short) Math.min(max[api.ordinal()], api.highestStableVersion());
    }

    /**
     * The level the cluster finalized for a feature (KIP-584), as of this connection's handshake, or 0
     * when it is not finalized (such as {@code transaction.version} on an older cluster).
     */
    public short finalizedFeature(String name) {
        return finalizedFeatures.getOrDefault(name, (short) 0);
    }

    /** The broker's advertised maximum for {@code api}, or -1. */
    public short brokerMax(ApiKey api) {
        return max[api.ordinal()];
    }
}
