/**
 * TLS contexts from PEM or key stores, and the SASL exchanges (PLAIN, SCRAM-SHA-256/512,
 * OAUTHBEARER with a client-credentials token source), each a small state machine driven by the
 * connection. Not API.
 */
package dev.skein.core.internal.security;
