/** The Skein admin client: topics, configs, groups, records, cluster, ACLs, transactions, credentials, quotas. */
module dev.skein.admin {
    requires transitive dev.skein.core;
    requires org.slf4j;

    exports dev.skein.admin;
}
