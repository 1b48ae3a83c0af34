package dev.skein.core.internal.net;

import dev.skein.core.errors.ProtocolException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.FetchResponse;
import dev.skein.core.message.ShareFetchResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decode of a response frame. A Fetch or ShareFetch response holds its records as retained slices
 * of the frame; one that fails to parse after some were taken must give them back, or each malformed
 * response pins its whole frame (up to {@code fetch.max.bytes}, a {@link KeptBuffers} region) for good.
 */
class ResponseReaderTest {
    private static final byte[] RECORDS = new byte[200];

    @Test
    void aFetchResponseCutShortInItsSecondPartitionReleasesTheFirstPartitionsRecords() {
        short v = ApiKey.FETCH.highestStableVersion();
        FetchResponse r = new FetchResponse().setResponses(List.of(new FetchResponse.FetchableTopicResponse()
                .setTopic("t").setTopicId(UUID.randomUUID()).setPartitions(List.of(fetchPartition(0), fetchPartition(1)))));
        assertNothingHeldAfterATruncatedRead(ApiKey.FETCH, v, r);
    }

    @Test
    void aShareFetchResponseCutShortInItsSecondPartitionReleasesTheFirstPartitionsRecords() {
        short v = ApiKey.SHARE_FETCH.highestStableVersion();
        ShareFetchResponse r = new ShareFetchResponse().setResponses(List.of(new ShareFetchResponse.ShareFetchableTopicResponse()
                .setTopicId(UUID.randomUUID()).setPartitions(List.of(sharePartition(0), sharePartition(1)))));
        assertNothingHeldAfterATruncatedRead(ApiKey.SHARE_FETCH, v, r);
    }

    @Test
    void aWholeFetchResponseHoldsItsFrameUntilItsRecordsAreReleased() {
        short v = ApiKey.FETCH.highestStableVersion();
        FetchResponse r = new FetchResponse().setResponses(List.of(new FetchResponse.FetchableTopicResponse()
                .setTopic("t").setTopicId(UUID.randomUUID()).setPartitions(List.of(fetchPartition(0), fetchPartition(1)))));
        ByteBuf frame = frame(ApiKey.FETCH, v, r);
        ApiMessage read = ResponseReader.read(ApiKey.FETCH, v, frame);
        frame.release();
        assertTrue(frame.refCnt() > 0, "the records keep the frame");
        read.releaseRecords();
        assertEquals(0, frame.refCnt());
    }

    private static void assertNothingHeldAfterATruncatedRead(ApiKey api, short v, ApiMessage response) {
        ByteBuf frame = frame(api, v, response);
        frame.writerIndex(frame.writerIndex() - RECORDS.length / 2); // inside the second partition's records
        assertThrows(ProtocolException.class, () -> ResponseReader.read(api, v, frame));
        frame.release();
        assertEquals(0, frame.refCnt(), "no records slice of the malformed response holds the frame");
    }

    /** The frame after its correlation id, in a pooled direct buffer as a connection reads it. */
    private static ByteBuf frame(ApiKey api, short v, ApiMessage response) {
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer();
        if (api.responseHeaderVersion(v) >= 1) {
            frame.writeByte(0); // no header tagged fields
        }
        response.write(frame, v);
        return frame;
    }

    private static FetchResponse.PartitionData fetchPartition(int index) {
        return new FetchResponse.PartitionData().setPartitionIndex(index).setRecords(Unpooled.wrappedBuffer(RECORDS));
    }

    private static ShareFetchResponse.PartitionData sharePartition(int index) {
        return new ShareFetchResponse.PartitionData().setPartitionIndex(index).setRecords(Unpooled.wrappedBuffer(RECORDS));
    }
}
