package dev.skein.serdes.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body of at most {@code max} bytes, buffered. A larger one (declared by Content-Length, or
 * counted as it streams in, chunked) cancels the transfer and fails with {@link TooLarge}: a broken or
 * hostile endpoint must not make the client buffer without bound.
 */
final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** The body passed the cap. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    /**
     * One request's handler. After the client's {@code send} failed, {@link #tooLarge()} says whether the
     * cap was the reason: the client may report the cancelled transfer ("Stream 5 cancelled" over HTTP/2)
     * rather than the body's own failure, so the cause chain cannot be relied on.
     */
    static final class Handler implements HttpResponse.BodyHandler<byte[]> {
        private final int max;
        private volatile TooLarge tooLarge;

        Handler(int max) {
            this.max = max;
        }

        @Override
        public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
            return new CappedBody(this, info.headers().firstValueAsLong("Content-Length").orElse(-1));
        }

        /** Why the body was refused, or null when it was not. */
        TooLarge tooLarge() {
            return tooLarge;
        }
    }

    private final Handler handler;
    private final int max;
    private final long declared;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    private CappedBody(Handler handler, long declared) {
        this.handler = handler;
        this.max = handler.max;
        this.declared = declared;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (declared > max) {
            tooLarge("declares " + declared + " bytes");
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return; // cancelled: what still arrives is dropped
        }
        for (ByteBuffer b : items) {
            if (buffer.size() + (long) b.remaining() > max) {
                tooLarge("passed " + max + " bytes");
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            buffer.writeBytes(chunk);
        }
    }

    private void tooLarge(String what) {
        TooLarge e = new TooLarge("the answer " + what + ", more than the " + (max >> 20) + " MiB a registry answer may have");
        handler.tooLarge = e;
        body.completeExceptionally(e);
        subscription.cancel();
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        body.complete(buffer.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }
}
