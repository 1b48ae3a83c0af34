/**
 * The Kafka protocol's messages, one class per request, response, header and data schema, generated
 * at build time from the official JSON schemas of the pinned Apache Kafka release (see the
 * {@code protocol-generator} module). Every version in a schema can be encoded and decoded,
 * including flexible versions (compact types and tagged fields; unknown tags are skipped).
 *
 * <p>Field types: {@code int8..int64} map to Java primitives, {@code uint16} to {@code int},
 * {@code uint32} to {@code long}, {@code uuid} to {@link java.util.UUID}, {@code bytes} to
 * {@code byte[]}, {@code records} to a Netty {@code ByteBuf} (a retained slice of the decoded
 * frame, released by {@code releaseRecords()}), arrays to {@link java.util.List}.
 */
package dev.skein.core.message;
