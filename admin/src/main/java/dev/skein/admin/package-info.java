/**
 * The Skein admin client: topics, configs, the cluster, consumer groups and their offsets, share groups
 * (KIP-932) and their start offsets, records, ACLs, transactions, credentials, quotas, partitions, and a
 * raw escape hatch. Start at {@link dev.skein.admin.Admin}.
 */
package dev.skein.admin;
