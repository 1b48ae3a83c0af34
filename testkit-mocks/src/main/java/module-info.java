/**
 * In-memory test doubles of Skein's {@code Producer} and {@code Consumer}: {@code MockProducer} and
 * {@code MockConsumer}, for unit tests of application code that needs no broker.
 */
module dev.skein.testkit.mock {
    requires transitive dev.skein.producer;
    requires transitive dev.skein.consumer;

    exports dev.skein.testkit.mock;
}
