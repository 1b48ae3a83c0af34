/**
 * The Skein producer: batching, partitioners, async acks, idempotence and transactions.
 *
 * <p>Not built yet: this module's issue has not landed. The package exists so the module builds.
 */
package dev.skein.producer;
