/**
 * Record batches (magic 2) on pooled Netty buffers: building them record by record without
 * per-record copies, reading them through a cursor, CRC-32C checks, and the codecs (gzip, snappy, lz4,
 * zstd) with a bound on what a batch may decompress to. A batch that does not check out is a
 * {@link dev.skein.core.errors.CorruptRecordException} naming partition and offset. Not API.
 */
package dev.skein.core.internal.records;
