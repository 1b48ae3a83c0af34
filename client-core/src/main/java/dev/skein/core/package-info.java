/**
 * What every Skein client shares: connection options ({@link dev.skein.core.ClientOptions}),
 * shared event loops and buffers ({@link dev.skein.core.ClientResources}), the value types that travel
 * between modules ({@link dev.skein.core.TopicPartition}, {@link dev.skein.core.Header},
 * {@link dev.skein.core.Node}, {@link dev.skein.core.Compression}), and the exceptions, all under
 * {@link dev.skein.core.errors.SkeinException}, each of which tells whether a retry may succeed
 * ({@link dev.skein.core.errors.SkeinException#isRetriable()}).
 */
package dev.skein.core;
