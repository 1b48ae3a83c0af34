/**
 * The Skein admin client: topics, configs, groups, cluster, records, ACLs.
 *
 * <p>Not built yet: this module's issue has not landed. The package exists so the module builds.
 */
package dev.skein.admin;
