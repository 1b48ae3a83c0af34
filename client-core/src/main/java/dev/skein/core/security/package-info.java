/**
 * Security settings users give the clients: the protocol ({@link dev.skein.core.security.SecurityProtocol}),
 * SASL credentials, OAuth bearer token sources, and {@link dev.skein.core.security.Secret}, a value that
 * never prints itself.
 */
package dev.skein.core.security;
