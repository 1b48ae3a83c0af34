/**
 * The cluster's metadata as an immutable snapshot ({@code Cluster}) and the state machine that
 * keeps it fresh ({@code MetadataManager}: time and responses in, requests out). Not API.
 */
package dev.skein.core.internal.metadata;
