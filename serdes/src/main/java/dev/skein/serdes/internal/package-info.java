/**
 * The built-in serdes behind {@link dev.skein.serdes.Serdes} and the registry's HTTP client.
 * Not API.
 */
package dev.skein.serdes.internal;
