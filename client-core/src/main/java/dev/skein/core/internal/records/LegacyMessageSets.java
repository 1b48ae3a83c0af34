package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.internal.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import net.jpountz.xxhash.XXHashFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Reads the message formats of Kafka before 0.11 (magic 0 and 1, "message sets", KIP-31/KIP-32) and
 * turns them into equivalent magic-2 {@link RecordBatch}es, so that every reader of batches reads them
 * unchanged. A broker hands such data out as stored: segments written before 0.11, or under a topic
 * {@code message.format.version} below 0.11, which compacted topics keep for ever.
 *
 * <pre>
 * offset int64 | message_size int32 | crc uint32 | magic int8 | attributes int8 |
 * [timestamp int64: magic 1] | key bytes (int32 length, -1 null) | value bytes (int32 length, -1 null)
 * </pre>
 * The CRC32 (not CRC32C) covers magic to the end. Attributes bits 0-2 are the codec (none, gzip,
 * snappy, lz4); bit 3 (magic 1) the timestamp type. A compressed message (a wrapper) holds a message
 * set of inner messages as its value: under magic 1 their offsets are relative and the wrapper's is
 * the absolute offset of the last; under magic 0 they are absolute. Under magic 1 with log-append
 * time every inner message takes the wrapper's timestamp.
 *
 * <p>The converted batches are unpooled heap buffers (this data is rare; nobody releases them): with
 * the same absolute offsets, keys, values, timestamps and timestamp type, no headers, partition leader
 * epoch -1, no producer id, uncompressed, with a valid CRC32C. A wrapper becomes one batch; a run of
 * uncompressed messages of one magic and timestamp type becomes one batch (one message each under
 * log-append time, whose batch would give all of them its largest timestamp). Magic 0 has no timestamp:
 * its records carry -1 and create time. Every message's CRC32 is verified while converting.
 */
final class LegacyMessageSets {
    /** Offset and size: what precedes the size-counted rest. */
    private static final int LOG_OVERHEAD = RecordBatch.LOG_OVERHEAD;
    /** CRC, magic, attributes, key length, value length. */
    static final int MIN_SIZE_V0 = 4 + 1 + 1 + 4 + 4;
    /** As {@link #MIN_SIZE_V0} and the timestamp. */
    static final int MIN_SIZE_V1 = MIN_SIZE_V0 + 8;
    /**
     * The most a wrapper's message set is decompressed to: the consumer's default {@code skein.buffer.max.bytes}.
     * Framing has no setting to go by; a wrapper is at most the broker's {@code message.max.bytes} (1 MiB by default) compressed.
     */
    static final int MAX_DECOMPRESSED = 64 * 1024 * 1024;
    private static final int TIMESTAMP_TYPE_MASK = 0x08;
    private static final int LZ4_MAGIC = 0x184D2204;

    private LegacyMessageSets() {}

    /** True for the magics this class reads. */
    static boolean isLegacy(byte magic) {
        return magic == 0 || magic == 1;
    }

    /**
     * Converts the legacy messages from {@code pos} on, as far as they go (until a message of another
     * magic, the end, or a partial message at the end), adding the batches to {@code out}.
     *
     * @return the index of the first byte not consumed: the next message (of another magic), a partial one, or {@code end}
     * @throws CorruptRecordException at the first message that is corrupt (size, CRC, codec, inner messages), naming
     *                                topic, partition and offset; the batches before it are in {@code out}
     */
    static int convert(ByteBuf records, int pos, int end, String topic, int partition, List<RecordBatch> out) {
        Run run = null;
        try {
            while (end - pos > RecordBatch.MAGIC_OFFSET) {
                byte magic = records.getByte(pos + RecordBatch.MAGIC_OFFSET);
                if (!isLegacy(magic)) {
                    break;
                }
                long offset = records.getLong(pos);
                int size = records.getInt(pos + 8);
                Message m = parse(records, pos, end, offset, size, topic, partition, "message");
                if (m == null) {
                    break; // a partial message at the end: the rest comes with the next fetch
                }
                pos += LOG_OVERHEAD + size;
                if (m.codec() != 0) {
                    if (run != null) {
                        out.add(run.build(topic, partition));
                        run = null;
                    }
                    out.add(unwrap(records, m, topic, partition));
                    continue;
                }
                if (run != null && !run.accepts(m)) {
                    out.add(run.build(topic, partition));
                    run = null;
                }
                if (run == null) {
                    run = new Run(m.magic(), m.logAppendTime());
                }
                run.add(m.offset(), m.timestamp(), records, m);
            }
        } finally {
            if (run != null) {
                out.add(run.build(topic, partition));
            }
        }
        return pos;
    }

    /**
     * One message at {@code pos}, its CRC verified; null when it is cut off by {@code end}.
     *
     * @throws CorruptRecordException when it is below its minimum size, its CRC or its fields do not match
     */
    private static Message parse(ByteBuf buf, int pos, int end, long offset, int size, String topic, int partition,
                                 String what) {
        byte magic = buf.getByte(pos + RecordBatch.MAGIC_OFFSET);
        int min = magic == 0 ? MIN_SIZE_V0 : MIN_SIZE_V1;
        if (size < min) {
            throw corrupt(topic, partition, offset, what + " (magic " + magic + ") size " + size
                    + " is below its minimum of " + min);
        }
        if (size > Integer.MAX_VALUE - LOG_OVERHEAD) {
            throw corrupt(topic, partition, offset, what + " size " + size + " is beyond any message's");
        }
        if (size > end - pos - LOG_OVERHEAD) {
            return null;
        }
        int body = pos + LOG_OVERHEAD;
        long stored = buf.getUnsignedInt(body);
        long computed = crc32(buf, body + 4, size - 4);
        if (stored != computed) {
            throw corrupt(topic, partition, offset, what + " (magic " + magic + ") CRC mismatch (stored "
                    + Long.toHexString(stored) + ", computed " + Long.toHexString(computed) + ")");
        }
        int attributes = buf.getUnsignedByte(body + 5);
        int p = body + 6;
        long timestamp = -1L;
        if (magic == 1) {
            timestamp = buf.getLong(p);
            p += 8;
        }
        int limit = body + size;
        int keyLength = buf.getInt(p);
        p += 4;
        if (keyLength < -1 || keyLength > limit - p - 4) {
            throw corrupt(topic, partition, offset, what + " key length " + keyLength + " does not fit its size " + size);
        }
        int keyIndex = p;
        p += Math.max(0, keyLength);
        int valueLength = buf.getInt(p);
        p += 4;
        if (valueLength < -1 || valueLength != (valueLength < 0 ? -1 : limit - p) || (valueLength < 0 && p != limit)) {
            throw corrupt(topic, partition, offset, what + " value length " + valueLength + " does not match its size " + size);
        }
        return new Message(offset, magic, attributes, timestamp, keyIndex, keyLength, p, valueLength);
    }

    /** The batch of a wrapper's inner messages, at their absolute offsets. */
    private static RecordBatch unwrap(ByteBuf records, Message wrapper, String topic, int partition) {
        int codec = wrapper.codec();
        Compression compression = switch (codec) {
            case 1 -> Compression.GZIP;
            case 2 -> Compression.SNAPPY;
            case 3 -> Compression.LZ4;
            default -> throw corrupt(topic, partition, wrapper.offset(), "message (magic " + wrapper.magic()
                    + ") has codec id " + codec + ", which the message format does not have");
        };
        if (wrapper.valueLength() < 0) {
            throw corrupt(topic, partition, wrapper.offset(), "compressed message (magic " + wrapper.magic() + ") has a null value");
        }
        ByteBuf compressed = records.slice(wrapper.valueIndex(), wrapper.valueLength());
        if (compression == Compression.LZ4 && wrapper.magic() == 0) {
            compressed = withLz4HeaderChecksum(compressed);
        }
        String where = "compressed message in " + topic + "-" + partition + " at offset " + wrapper.offset();
        ByteBuf inner;
        try {
            inner = CompressionCodec.decompress(compression, compressed, UnpooledByteBufAllocator.DEFAULT,
                    MAX_DECOMPRESSED, where);
        } catch (RecordTooLargeException e) {
            // Framing reports corruption only; the cause says it is size, not damage.
            throw new CorruptRecordException(e.getMessage() + ", the most an old-format (magic "
                    + wrapper.magic() + ") message is read to", e, false);
        }
        try {
            return convertInner(inner, wrapper, topic, partition);
        } finally {
            inner.release();
        }
    }

    /** The inner messages of {@code wrapper}, decompressed into {@code inner}, as one batch. */
    private static RecordBatch convertInner(ByteBuf inner, Message wrapper, String topic, int partition) {
        List<Message> messages = new ArrayList<>();
        int p = inner.readerIndex();
        int end = inner.writerIndex();
        while (p < end) {
            if (end - p <= RecordBatch.MAGIC_OFFSET) {
                throw corrupt(topic, partition, wrapper.offset(), "compressed message set ends in a partial message");
            }
            long offset = inner.getLong(p);
            int size = inner.getInt(p + 8);
            byte magic = inner.getByte(p + RecordBatch.MAGIC_OFFSET);
            if (magic != wrapper.magic()) { // a wrapper holds messages of its own format only
                throw corrupt(topic, partition, wrapper.offset(), "inner message has magic " + magic + " in a wrapper of magic "
                        + wrapper.magic());
            }
            Message m = parse(inner, p, end, wrapper.offset(), size, topic, partition, "inner message");
            if (m == null) {
                throw corrupt(topic, partition, wrapper.offset(), "compressed message set ends in a partial message");
            }
            if (m.codec() != 0) {
                throw corrupt(topic, partition, wrapper.offset(), "inner message is compressed too");
            }
            if (!messages.isEmpty() && offset <= messages.get(messages.size() - 1).offset()) {
                throw corrupt(topic, partition, wrapper.offset(), "inner offsets do not increase ("
                        + messages.get(messages.size() - 1).offset() + " then " + offset + ")");
            }
            messages.add(new Message(offset, m.magic(), m.attributes(), m.timestamp(), m.keyIndex(), m.keyLength(),
                    m.valueIndex(), m.valueLength()));
            p += LOG_OVERHEAD + size;
        }
        if (messages.isEmpty()) {
            throw corrupt(topic, partition, wrapper.offset(), "compressed message holds no messages");
        }
        if (messages.get(messages.size() - 1).offset() - messages.get(0).offset() > Integer.MAX_VALUE) {
            throw corrupt(topic, partition, wrapper.offset(), "inner offsets span more than a batch can ("
                    + messages.get(0).offset() + " to " + messages.get(messages.size() - 1).offset() + ")");
        }
        // Magic 1: relative offsets, the wrapper's the last one's absolute. Magic 0: absolute already.
        long shift = wrapper.magic() == 1 ? wrapper.offset() - messages.get(messages.size() - 1).offset() : 0;
        boolean appendTime = wrapper.logAppendTime();
        Run run = new Run(wrapper.magic(), appendTime);
        for (Message m : messages) {
            long timestamp = appendTime ? wrapper.timestamp() : wrapper.magic() == 0 ? -1L : m.timestamp();
            run.add(m.offset() + shift, timestamp, inner, m);
        }
        return run.build(topic, partition);
    }

    /**
     * A copy of a magic-0 lz4 frame with its header checksum made right: Kafka before 0.10 computed it over
     * the frame's magic number too (KAFKA-3160), and under magic 0 it is not checked (as Kafka's clients do).
     */
    private static ByteBuf withLz4HeaderChecksum(ByteBuf frame) {
        int n = frame.readableBytes();
        if (n < 7 || frame.getIntLE(frame.readerIndex()) != LZ4_MAGIC) {
            return frame; // not a frame: the reader says so
        }
        ByteBuf copy = heap(n).writeBytes(frame, frame.readerIndex(), n);
        int descriptor = (copy.getUnsignedByte(4) & 0x08) != 0 ? 10 : 2;
        if (n < 4 + descriptor + 1) {
            return copy;
        }
        int checksum = (XXHashFactory.fastestInstance().hash32().hash(copy.nioBuffer(4, descriptor), 0) >> 8) & 0xFF;
        copy.setByte(4 + descriptor, checksum);
        return copy;
    }

    /**
     * A heap buffer nobody has to release: not one of Netty's leak-tracked buffers (which report the
     * converted batches, dropped unreleased by design, as leaks), and not pooled.
     */
    private static ByteBuf heap(int initialCapacity) {
        return new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, initialCapacity, Integer.MAX_VALUE);
    }

    private static long crc32(ByteBuf buf, int index, int length) {
        return RecordBatch.checksum(new CRC32(), buf, index, length);
    }

    private static CorruptRecordException corrupt(String topic, int partition, long offset, String what) {
        return new CorruptRecordException("corrupt old-format message in " + topic + "-" + partition + " at offset "
                + offset + ": " + what, null, false);
    }

    /** A parsed message: where its key and value are in the buffer it was parsed from. */
    private record Message(long offset, byte magic, int attributes, long timestamp, int keyIndex, int keyLength,
                           int valueIndex, int valueLength) {
        int codec() {
            return attributes & RecordBatch.COMPRESSION_MASK;
        }

        boolean logAppendTime() {
            return magic == 1 && (attributes & TIMESTAMP_TYPE_MASK) != 0;
        }
    }

    /** Records gathered into one magic-2 batch: absolute offsets, increasing, with gaps allowed. */
    private static final class Run {
        private final byte magic;
        private final boolean appendTime;
        private final ByteBuf records = heap(256);
        private long baseOffset;
        private long lastOffset;
        private long baseTimestamp;
        private long maxTimestamp = -1L;
        private int count;

        Run(byte magic, boolean appendTime) {
            this.magic = magic;
            this.appendTime = appendTime;
        }

        /** Whether an uncompressed top-level message joins this run (see the class comment). */
        boolean accepts(Message m) {
            return m.magic() == magic && m.logAppendTime() == appendTime && !appendTime
                    && m.offset() > lastOffset && m.offset() - baseOffset <= Integer.MAX_VALUE;
        }

        void add(long offset, long timestamp, ByteBuf src, Message m) {
            if (count == 0) {
                baseOffset = offset;
                baseTimestamp = timestamp;
            }
            long offsetDelta = offset - baseOffset;
            if (offsetDelta > Integer.MAX_VALUE || offsetDelta < 0) {
                throw new IllegalStateException("unreachable: offsets checked to increase, within an int of the first");
            }
            lastOffset = offset;
            maxTimestamp = count == 0 ? timestamp : Math.max(maxTimestamp, timestamp);
            count++;
            long tsDelta = appendTime ? 0 : timestamp - baseTimestamp;
            int keyLength = m.keyLength();
            int valueLength = m.valueLength();
            int body = 1 + Wire.sizeOfVarlong(tsDelta) + Wire.sizeOfVarint((int) offsetDelta)
                    + Wire.sizeOfVarint(keyLength) + Math.max(0, keyLength)
                    + Wire.sizeOfVarint(valueLength) + Math.max(0, valueLength) + 1;
            Wire.writeVarint(records, body);
            records.writeByte(0); // record attributes
            Wire.writeVarlong(records, tsDelta);
            Wire.writeVarint(records, (int) offsetDelta);
            Wire.writeVarint(records, keyLength);
            if (keyLength > 0) {
                records.writeBytes(src, m.keyIndex(), keyLength);
            }
            Wire.writeVarint(records, valueLength);
            if (valueLength > 0) {
                records.writeBytes(src, m.valueIndex(), valueLength);
            }
            records.writeByte(0); // varint 0: no headers
        }

        RecordBatch build(String topic, int partition) {
            ByteBuf batch = heap(RecordBatch.HEADER_SIZE + records.readableBytes());
            batch.writeLong(baseOffset);
            batch.writeInt(RecordBatch.HEADER_SIZE - LOG_OVERHEAD + records.readableBytes());
            batch.writeInt(-1); // partition leader epoch: unknown
            batch.writeByte(RecordBatch.MAGIC);
            batch.writeInt(0); // CRC, below
            batch.writeShort(appendTime ? RecordBatch.TIMESTAMP_TYPE_MASK : 0);
            batch.writeInt((int) (lastOffset - baseOffset));
            batch.writeLong(appendTime ? maxTimestamp : baseTimestamp);
            batch.writeLong(maxTimestamp);
            batch.writeLong(RecordBatch.NO_PRODUCER_ID);
            batch.writeShort(RecordBatch.NO_PRODUCER_EPOCH);
            batch.writeInt(RecordBatch.NO_SEQUENCE);
            batch.writeInt(count);
            batch.writeBytes(records);
            batch.setInt(17, (int) RecordBatch.crc32c(batch, 21, batch.writerIndex() - 21));
            return new RecordBatch(batch, topic, partition);
        }
    }
}
