/**
 * Every exception a Skein client throws or completes a future with, under one root,
 * {@link dev.skein.core.errors.SkeinException}: each tells whether a retry may succeed
 * ({@link dev.skein.core.errors.SkeinException#isRetriable()}). Broker error codes map onto them
 * ({@link dev.skein.core.ErrorCode#exception}). The consumer, producer and serdes modules add the
 * exceptions only they throw (a failed commit, a full buffer, a serializer failure) beside their own
 * APIs, under the same root.
 */
package dev.skein.core.errors;
