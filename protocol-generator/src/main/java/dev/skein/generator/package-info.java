/**
 * The build-time generator of client-core's message classes from Apache Kafka's JSON protocol
 * schemas: every version of every field, flexible versions and tagged fields included. Runs in the
 * build only.
 */
package dev.skein.generator;
