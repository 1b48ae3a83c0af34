/**
 * JMH micro-benchmarks and end-to-end comparisons with the reference Java client.
 *
 * <p>Not built yet: this module's issue has not landed. The package exists so the module builds.
 */
package dev.skein.bench;
