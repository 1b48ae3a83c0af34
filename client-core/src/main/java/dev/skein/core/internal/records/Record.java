package dev.skein.core.internal.records;

import dev.skein.core.Header;
import io.netty.buffer.ByteBuf;

import java.util.List;

/**
 * One decoded record. {@code key} and {@code value} are slices of the batch's (decompressed)
 * buffer, valid while that buffer is; either may be null.
 */
public record Record(long offset, long timestamp, ByteBuf key, ByteBuf value, List<Header> headers) {}
