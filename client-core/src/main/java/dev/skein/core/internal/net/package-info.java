/**
 * Connections to brokers on Netty: one {@code BrokerConnection} per broker and purpose (framing,
 * correlation, ApiVersions negotiation, SASL and TLS, request timeouts, the response size cap), the
 * {@code ConnectionManager} that opens and reuses them, {@code ReconnectBackoff} that says when a broker
 * may be connected to again after a failure or a close, and what each Kafka release supports. Nothing
 * here blocks an event loop. Not API.
 */
package dev.skein.core.internal.net;
