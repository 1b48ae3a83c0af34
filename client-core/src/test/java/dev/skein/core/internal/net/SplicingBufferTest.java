package dev.skein.core.internal.net;

import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ProduceRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplicingBufferTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    @ParameterizedTest
    @ValueSource(shorts = {3, 8, 9, 12, 13})
    void aProduceRequestEncodesToTheSameBytesAsIntoOneBuffer(short version) {
        // Batches below, at and far above the splicing size, and a topic name long enough that what
        // is written between two batches is close to the room the buffer leaves after each.
        ByteBuf small = records(100, 1);
        ByteBuf atMin = records(SplicingBuffer.SPLICE_MIN, 2);
        ByteBuf large = records(70_000, 3);
        ProduceRequest request = request("t".repeat(249), small, atMin, large);

        ByteBuf plain = Unpooled.buffer();
        request.write(plain, version);
        ByteBuf spliced = SplicingBuffer.forRequest(ApiKey.PRODUCE, ALLOC);
        request.write(spliced, version);
        try {
            assertInstanceOf(SplicingBuffer.class, spliced);
            assertTrue(ByteBufUtil.equals(plain, spliced), "version " + version);

            // The large batches are in the request by reference, the small one by copy.
            int largeAt = ByteBufUtil.indexOf(large, spliced);
            large.setByte(large.readerIndex() + 10, large.getByte(large.readerIndex() + 10) ^ 0x7f);
            assertEquals(large.getByte(large.readerIndex() + 10), spliced.getByte(largeAt + 10));
            int smallAt = ByteBufUtil.indexOf(small, spliced);
            small.setByte(small.readerIndex() + 10, small.getByte(small.readerIndex() + 10) ^ 0x7f);
            assertEquals(plain.getByte(smallAt + 10), spliced.getByte(smallAt + 10));
        } finally {
            plain.release();
            spliced.release();
        }
        releaseUnshared(small, atMin, large);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5, 40})
    void theSocketGetsTheWrittenBytesOnlyWhateverIsLeftOfTheRoom(int partitions) {
        ByteBuf[] batches = new ByteBuf[partitions];
        for (int i = 0; i < partitions; i++) {
            batches[i] = records(2_000 + 997 * i, i);
        }
        ProduceRequest request = request("topic", batches);
        ByteBuf plain = Unpooled.buffer();
        request.write(plain, (short) 9);
        ByteBuf spliced = SplicingBuffer.forRequest(ApiKey.PRODUCE, ALLOC);
        request.write(spliced, (short) 9);

        EmbeddedChannel ch = new EmbeddedChannel();
        ch.writeOutbound(spliced);
        ByteBuf sent = ch.readOutbound();
        assertTrue(ByteBufUtil.equals(plain, sent));
        sent.release();
        plain.release();
        releaseUnshared(batches);
    }

    @ParameterizedTest
    @ValueSource(shorts = {3, 13})
    void smallBatchesAfterALargeOneAreCopiedWithoutDoublingTheBuffer(short version) {
        // Copies that outgrow the room after a splice: a buffer left to grow by doubling would add a
        // piece as large as the request so far (here over 60 KiB of memory for a 1 KiB copy).
        ByteBuf[] batches = {records(70_000, 1), records(900, 2), records(SplicingBuffer.SPLICE_MIN - 1, 3),
                records(400, 4), records(20_000, 5), records(1000, 6)};
        ProduceRequest request = request("topic", batches);
        ByteBuf plain = Unpooled.buffer();
        request.write(plain, version);
        ByteBuf spliced = SplicingBuffer.forRequest(ApiKey.PRODUCE, ALLOC);
        request.write(spliced, version);
        try {
            assertTrue(ByteBufUtil.equals(plain, spliced));
            int unwritten = spliced.capacity() - spliced.writerIndex();
            assertTrue(unwritten <= SplicingBuffer.ROOM, unwritten + " bytes of room left unwritten");
        } finally {
            plain.release();
            spliced.release();
        }
        releaseUnshared(batches);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FETCH", "METADATA", "INIT_PRODUCER_ID"})
    void otherRequestsGetAPlainBuffer(String api) {
        ByteBuf buf = SplicingBuffer.forRequest(ApiKey.valueOf(api), ALLOC);
        try {
            assertFalse(buf instanceof SplicingBuffer);
        } finally {
            buf.release();
        }
    }

    /** Releases the batches, first checking the request held its own references to them and gave them back. */
    private static void releaseUnshared(ByteBuf... batches) {
        for (ByteBuf b : batches) {
            assertEquals(1, b.refCnt());
            b.release();
        }
    }

    private static ProduceRequest request(String topic, ByteBuf... batches) {
        ProduceRequest.TopicProduceData t = new ProduceRequest.TopicProduceData().setName(topic)
                .setTopicId(UUID.randomUUID());
        for (int i = 0; i < batches.length; i++) {
            t.partitionData().add(new ProduceRequest.PartitionProduceData().setIndex(i).setRecords(batches[i]));
        }
        return new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(List.of(t));
    }

    /** A stand-in for a batch's bytes (the request does not look inside), at an offset in its buffer. */
    private static ByteBuf records(int size, int seed) {
        ByteBuf b = ALLOC.directBuffer(size + 16);
        b.writeZero(16).skipBytes(16);
        for (int i = 0; i < size; i++) {
            b.writeByte(i * 31 + seed);
        }
        return b;
    }
}
