/**
 * The admin client's implementation, one class per family of calls ({@code TopicCalls},
 * {@code GroupCalls}, {@code ConfigCalls}, ...), each turning an {@link dev.skein.admin.Admin} method into
 * requests routed by client-core's cluster client and coordinator cache. Not API.
 */
package dev.skein.admin.internal;
