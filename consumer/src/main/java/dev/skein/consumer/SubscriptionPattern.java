package dev.skein.consumer;

import java.util.Objects;

/**
 * A regular expression over topic names that the broker evaluates (KIP-848), for
 * {@link Consumer#subscribe(SubscriptionPattern, RebalanceListener)}. It needs the consumer group
 * protocol ({@code group.protocol} {@code consumer}, or {@code auto} on a broker that offers it).
 *
 * <p>The syntax is RE2/J's, not {@link java.util.regex.Pattern}'s: no back-references or look-around,
 * and the whole topic name must match. The broker matches every topic it has, including ones created
 * later, and every member of the group with the same pattern shares one resolution, so members never
 * disagree about which topics match. For a client-side {@code java.util.regex} match, use
 * {@link Consumer#subscribe(java.util.regex.Pattern, RebalanceListener)}.
 */
public record SubscriptionPattern(String regex) {
    public SubscriptionPattern {
        Objects.requireNonNull(regex, "regex");
        if (regex.isBlank()) {
            throw new IllegalArgumentException("a subscription pattern must not be blank");
        }
    }

    public static SubscriptionPattern of(String regex) {
        return new SubscriptionPattern(regex);
    }

    @Override
    public String toString() {
        return regex;
    }
}
