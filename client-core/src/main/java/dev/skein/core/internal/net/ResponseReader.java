package dev.skein.core.internal.net;

import dev.skein.core.ErrorCode;
import dev.skein.core.internal.protocol.Wire;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.ApiVersionsResponse;
import io.netty.buffer.ByteBuf;

/**
 * Decodes a response frame after its correlation id: the header's tagged fields, then the body at the
 * request's version. Malformed input raises {@link dev.skein.core.errors.ProtocolException}, and leaves
 * no records slice holding the frame (a Fetch response cut short in its second partition has already
 * sliced the first's records).
 */
final class ResponseReader {
    private ResponseReader() {}

    static ApiMessage read(ApiKey api, short version, ByteBuf frame) {
        if (api.responseHeaderVersion(version) >= 1) {
            skipTaggedFields(frame);
        }
        if (api == ApiKey.API_VERSIONS && frame.readableBytes() >= 2
                && frame.getShort(frame.readerIndex()) == ErrorCode.UNSUPPORTED_VERSION.code()) {
            // A broker that lacks our ApiVersions version answers in v0, whatever we asked.
            return ApiVersionsResponse.read(frame, (short) 0);
        }
        if (api != ApiKey.FETCH && api != ApiKey.SHARE_FETCH) {
            return api.readResponse(frame, version); // no records field: nothing a failure could leave held
        }
        return Wire.releasingRecordsOnFailure(() -> api.readResponse(frame, version));
    }

    private static void skipTaggedFields(ByteBuf buf) {
        int n = Wire.readUnsignedVarint(buf);
        for (int i = 0; i < n; i++) {
            Wire.readUnsignedVarint(buf);
            int size = Wire.readUnsignedVarint(buf);
            Wire.ensure(buf, size, "header tagged field");
            buf.skipBytes(size);
        }
    }
}
