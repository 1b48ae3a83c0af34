package dev.skein.testkit;

/** Run in a child JVM by {@link BrokerLifetimeIT}: starts a broker, prints its pid, and waits to be killed. */
public final class OrphanMain {
    private OrphanMain() {}

    public static void main(String[] args) throws Exception {
        KafkaCluster cluster = KafkaCluster.builder().baseDir(java.nio.file.Path.of(args[0])).build().start();
        System.out.println("BROKER_PID " + cluster.pid(1));
        System.out.flush();
        Thread.sleep(120_000); // held until the test kills this JVM (the bound only ends a forgotten child)
    }
}
