/**
 * The consumer's implementation: fetching (sessions, follower fetching, decoding on pooled
 * buffers), positions ({@code SubscriptionState}), offset lookups and truncation checks, and the group
 * protocols as I/O-free state machines ({@code ClassicGroupState}, {@code ConsumerProtocolState}) with
 * drivers that own them on one event loop. Not API.
 */
package dev.skein.consumer.internal;
