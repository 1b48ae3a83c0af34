/**
 * Low-level encoding shared by the generated messages: varints, compact strings and arrays,
 * tagged fields. Not API.
 */
package dev.skein.core.internal.protocol;
