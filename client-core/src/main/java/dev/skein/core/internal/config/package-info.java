/**
 * Parsing and validating configuration values (durations, sizes, lists, enums), each failure
 * a {@link dev.skein.core.errors.ConfigException} naming the key. Not API.
 */
package dev.skein.core.internal.config;
