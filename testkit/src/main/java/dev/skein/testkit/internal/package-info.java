/**
 * How testkit starts brokers: the child JVM launcher, the broker and ZooKeeper processes, free
 * ports, release lookup and the metadata probe that waits for a cluster to be ready. Not API.
 */
package dev.skein.testkit.internal;
