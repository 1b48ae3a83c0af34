/**
 * The Skein admin client: topics, configs, cluster and a raw escape hatch (groups, records, ACLs,
 * transactions, credentials, quotas and reassignments follow). Start at {@link dev.skein.admin.Admin}.
 */
package dev.skein.admin;
