/**
 * Serializers and deserializers: the built-ins in {@link dev.skein.serdes.Serdes} (strings,
 * bytes, numbers, UUIDs, lists), JSON, and Avro with the Schema Registry
 * ({@link dev.skein.serdes.SchemaRegistryClient}, subject strategies, compatibility). Each call gets a
 * {@link dev.skein.serdes.SerdeContext} naming topic, target and headers.
 */
package dev.skein.serdes;
