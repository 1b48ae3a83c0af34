/**
 * Small runnable apps, one per use of Skein. Each has a {@code main} taking the bootstrap servers
 * (and what else it needs) and a {@code run} method its IT calls against a real broker.
 */
package dev.skein.samples;
