/**
 * The Skein consumer: pull-based fetching, consumer groups, delivery modes.
 *
 * <p>Not built yet: this module's issue has not landed. The package exists so the module builds.
 */
package dev.skein.consumer;
