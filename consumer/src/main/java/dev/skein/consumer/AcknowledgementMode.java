package dev.skein.consumer;

import java.util.Locale;

/** When a {@link ShareConsumer} acknowledges records ({@code share.acknowledgement.mode}). */
public enum AcknowledgementMode {
    /** The default: what a poll returned and was not acknowledged otherwise is accepted by the next poll (or commit). */
    IMPLICIT,
    /** Every record must be acknowledged before the next poll, which otherwise fails. */
    EXPLICIT;

    /** "implicit" or "explicit", as the property takes it. */
    public static AcknowledgementMode forName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "implicit" -> IMPLICIT;
            case "explicit" -> EXPLICIT;
            default -> throw new IllegalArgumentException("share.acknowledgement.mode must be implicit or explicit, was " + name);
        };
    }
}
