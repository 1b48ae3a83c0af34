/**
 * JMH benchmarks of single code paths, without a broker. The build runs JMH's annotation processor
 * on this module, so each {@code @Benchmark} class here gets its harness generated and listed for
 * {@code org.openjdk.jmh.Main}. Run (after {@code mvn -B install -DskipTests} on a fresh machine):
 * {@code mvn -B -pl bench compile exec:exec@jmh -Djmh.args="REGEX -f 1"}, where {@code jmh.args} are
 * JMH's own options ({@code -h} lists them). The {@code jmh} execution starts JMH in a JVM of its own
 * with the module's classpath, since JMH's forks take theirs from {@code java.class.path}.
 */
package dev.skein.bench.jmh;
