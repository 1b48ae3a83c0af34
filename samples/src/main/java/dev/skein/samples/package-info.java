/**
 * Small runnable apps, one per use of Skein.
 *
 * <p>Not built yet: this module's issue has not landed. The package exists so the module builds.
 */
package dev.skein.samples;
