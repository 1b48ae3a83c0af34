/**
 * Skein's wire-protocol core: connections, metadata, record batches, security, and the options and
 * types every client shares. Applications use the exported packages: {@code dev.skein.core} (options,
 * shared types), {@code dev.skein.core.errors}, {@code dev.skein.core.security}, and
 * {@code dev.skein.core.message}, the generated protocol messages, the low-level layer that
 * {@code Admin.send} takes for requests without a call of their own. The {@code internal} packages are
 * exported only to the Skein modules built on them.
 *
 * <p>The qualified exports name modules built after this one ("module" lint), and lz4-java and
 * snappy-java are automatic modules (snappy-java's name comes from its file name, as for every
 * modular user of it).
 */
@SuppressWarnings({"module", "requires-automatic"})
module dev.skein.core {
    // Netty types appear in the public API: ByteBuf in the generated messages, EventLoopGroup in
    // ClientResources, SslContext in ClientOptions.
    requires transitive io.netty.buffer;
    requires transitive io.netty.transport;
    requires transitive io.netty.handler;
    requires io.netty.common;
    requires io.netty.codec;
    requires io.netty.resolver;
    requires org.slf4j;
    requires java.net.http;
    requires org.lz4.java;
    requires snappy.java;
    requires com.github.luben.zstd_jni;

    exports dev.skein.core;
    exports dev.skein.core.errors;
    exports dev.skein.core.message;
    exports dev.skein.core.security;

    exports dev.skein.core.internal to dev.skein.producer, dev.skein.consumer, dev.skein.admin;
    exports dev.skein.core.internal.config to dev.skein.serdes, dev.skein.producer, dev.skein.consumer, dev.skein.admin;
    exports dev.skein.core.internal.metadata to dev.skein.producer, dev.skein.consumer, dev.skein.admin;
    exports dev.skein.core.internal.net to dev.skein.producer, dev.skein.consumer, dev.skein.admin;
    exports dev.skein.core.internal.records to dev.skein.producer, dev.skein.consumer;
    exports dev.skein.core.internal.security to dev.skein.admin;
}
