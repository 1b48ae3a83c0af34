package dev.skein.testkit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every node of one {@link KafkaCluster} is configured with: the listeners, KRaft or ZooKeeper,
 * replication suited to the cluster's size, quick group settings for tests, and the options the
 * builder turned on. The builder's own broker configs go last and win.
 *
 * @param zooKeeperPort the ZooKeeper server's port in ZooKeeper mode, else unused
 */
record NodeConfig(int brokers, MetadataMode mode, String voters, int zooKeeperPort, boolean aclAuthorizer,
                  boolean securityListeners, Map<String, String> overrides) {

    /**
     * The {@code server.properties} of node {@code id}: its ports (client, broker, controller, then the
     * secured listeners'), the client and broker ports it advertises (their proxies', when there are
     * any) and its data.
     */
    Map<String, String> forNode(int id, int[] p, int advertised, int advertisedBroker, Path dataDir) {
        int rf = Math.min(brokers, 3);
        String minIsr = brokers >= 3 ? "2" : "1";
        Map<String, String> c = new LinkedHashMap<>();
        if (mode == MetadataMode.KRAFT) {
            c.put("process.roles", "broker,controller");
            c.put("node.id", Integer.toString(id));
            c.put("controller.quorum.voters", voters);
            c.put("listeners", "CLIENT://127.0.0.1:" + p[0] + ",BROKER://127.0.0.1:" + p[1]
                    + ",CONTROLLER://127.0.0.1:" + p[2]);
            c.put("listener.security.protocol.map", "CLIENT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT");
            c.put("controller.listener.names", "CONTROLLER");
        } else {
            c.put("broker.id", Integer.toString(id));
            c.put("zookeeper.connect", "127.0.0.1:" + zooKeeperPort);
            c.put("zookeeper.session.timeout.ms", "6000"); // within ZooKeeper's bounds for its 500 ms tick
            c.put("listeners", "CLIENT://127.0.0.1:" + p[0] + ",BROKER://127.0.0.1:" + p[1]);
            c.put("listener.security.protocol.map", "CLIENT:PLAINTEXT,BROKER:PLAINTEXT");
        }
        c.put("advertised.listeners", "CLIENT://127.0.0.1:" + advertised + ",BROKER://127.0.0.1:" + advertisedBroker);
        c.put("inter.broker.listener.name", "BROKER");
        c.put("log.dirs", dataDir.toString());
        c.put("num.partitions", "1");
        c.put("default.replication.factor", Integer.toString(rf));
        c.put("min.insync.replicas", minIsr);
        c.put("offsets.topic.replication.factor", Integer.toString(rf));
        c.put("offsets.topic.num.partitions", "5");
        c.put("transaction.state.log.replication.factor", Integer.toString(rf));
        c.put("transaction.state.log.min.isr", minIsr);
        c.put("transaction.state.log.num.partitions", "5");
        c.put("share.coordinator.state.topic.replication.factor", Integer.toString(rf));
        c.put("share.coordinator.state.topic.min.isr", minIsr);
        c.put("group.initial.rebalance.delay.ms", "0");
        // Consumer-protocol groups (KIP-848) reconcile one heartbeat at a time: a 500 ms interval keeps
        // tests quick, and lower minimums let a test give its group a short session
        // (group config consumer.session.timeout.ms) without a cluster of its own.
        c.put("group.consumer.heartbeat.interval.ms", "500");
        c.put("group.consumer.min.heartbeat.interval.ms", "100");
        c.put("group.consumer.min.session.timeout.ms", "2000");
        // Share groups (KIP-932): a test may give its group a short record lock (group config
        // share.record.lock.duration.ms) to see records of a killed member come back quickly.
        c.put("group.share.min.record.lock.duration.ms", "1000");
        // and, as for consumer-protocol groups, assignments arrive within a 500 ms heartbeat.
        c.put("group.share.heartbeat.interval.ms", "500");
        c.put("group.share.min.heartbeat.interval.ms", "100");
        c.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        if (aclAuthorizer) {
            // Anyone may do what no ACL speaks of, and the plaintext principal (tests and replication)
            // may do anything: ACLs can be created and read without locking the test itself out.
            c.put("authorizer.class.name", mode == MetadataMode.KRAFT
                    ? "org.apache.kafka.metadata.authorizer.StandardAuthorizer" : "kafka.security.authorizer.AclAuthorizer");
            c.put("allow.everyone.if.no.acl.found", "true");
            c.put("super.users", "User:ANONYMOUS");
        }
        if (securityListeners) {
            addSecurityListeners(c, p);
        }
        overrides.forEach((k, v) -> c.put(k, v.replace("{id}", Integer.toString(id)))); // per node: broker.rack=rack-{id}
        return c;
    }

    private static void addSecurityListeners(Map<String, String> c, int[] p) {
        TestCertificates certs = TestCertificates.shared();
        StringBuilder listeners = new StringBuilder(c.get("listeners"));
        StringBuilder advertised = new StringBuilder(c.get("advertised.listeners"));
        StringBuilder map = new StringBuilder(c.get("listener.security.protocol.map"));
        for (KafkaCluster.Listener l : KafkaCluster.Listener.values()) {
            if (l == KafkaCluster.Listener.PLAINTEXT) {
                continue;
            }
            String address = l.name + "://127.0.0.1:" + p[l.portIndex];
            listeners.append(',').append(address);
            advertised.append(',').append(address);
            map.append(',').append(l.name).append(':').append(l.protocol);
            String prefix = "listener.name." + l.name.toLowerCase() + ".";
            if (l.protocol.endsWith("SSL")) {
                Path keyStore = l == KafkaCluster.Listener.SSL_WRONG_SAN ? certs.wrongSanKeyStore() : certs.brokerKeyStore();
                c.put(prefix + "ssl.keystore.location", keyStore.toString());
                c.put(prefix + "ssl.keystore.type", "PKCS12");
                c.put(prefix + "ssl.keystore.password", TestCertificates.PASSWORD);
                c.put(prefix + "ssl.key.password", TestCertificates.PASSWORD);
                c.put(prefix + "ssl.truststore.location", certs.trustStore().toString());
                c.put(prefix + "ssl.truststore.type", "PKCS12");
                c.put(prefix + "ssl.truststore.password", TestCertificates.PASSWORD);
            }
            if (l == KafkaCluster.Listener.MTLS) {
                c.put(prefix + "ssl.client.auth", "required");
            }
            if (l.protocol.startsWith("SASL")) {
                c.put(prefix + "sasl.enabled.mechanisms", String.join(",", KafkaCluster.SASL_MECHANISMS));
                StringBuilder plain = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
                KafkaCluster.PLAIN_USERS.forEach((user, password) -> plain.append(" user_").append(user).append("=\"")
                        .append(password).append('"'));
                c.put(prefix + "plain.sasl.jaas.config", plain + ";");
                for (String scram : List.of("scram-sha-256", "scram-sha-512")) {
                    c.put(prefix + scram + ".sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
                }
                c.put(prefix + "oauthbearer.sasl.jaas.config",
                        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                                + " unsecuredLoginStringClaim_sub=\"broker\";");
                if (l == KafkaCluster.Listener.SASL_PLAINTEXT) {
                    for (String mechanism : KafkaCluster.SASL_MECHANISMS) {
                        c.put(prefix + mechanism.toLowerCase() + ".connections.max.reauth.ms",
                                Integer.toString(KafkaCluster.REAUTH_MS));
                    }
                }
            }
        }
        c.put("listeners", listeners.toString());
        c.put("advertised.listeners", advertised.toString());
        c.put("listener.security.protocol.map", map.toString());
    }
}
