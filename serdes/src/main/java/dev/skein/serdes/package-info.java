/**
 * Serializers, deserializers and the Schema Registry client.
 *
 * <p>Not built yet: this module's issue has not landed. The package exists so the module builds.
 */
package dev.skein.serdes;
