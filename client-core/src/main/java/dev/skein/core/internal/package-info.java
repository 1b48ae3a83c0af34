/**
 * The wire-protocol core the clients are built on: the cluster client (bootstrap, metadata,
 * routing a request to the right broker), the one coordinator cache, the retry and backoff rules
 * (KIP-580: exponential with jitter) and how a failure is unwrapped. Not API; its layout may change
 * in any release.
 */
package dev.skein.core.internal;
