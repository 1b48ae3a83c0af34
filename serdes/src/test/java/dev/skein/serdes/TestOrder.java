package dev.skein.serdes;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;

/** A hand-written Avro specific record for the tests (what avro-maven-plugin would generate). */
public class TestOrder extends SpecificRecordBase {
    public static final Schema SCHEMA$ = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"TestOrder\","
            + "\"namespace\":\"dev.skein.serdes\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"amount\",\"type\":\"long\"}]}");

    private CharSequence id;
    private long amount;

    public TestOrder() {}

    public TestOrder(String id, long amount) {
        this.id = id;
        this.amount = amount;
    }

    public static Schema getClassSchema() {
        return SCHEMA$;
    }

    @Override
    public Schema getSchema() {
        return SCHEMA$;
    }

    @Override
    public Object get(int field) {
        return switch (field) {
            case 0 -> id;
            case 1 -> amount;
            default -> throw new IndexOutOfBoundsException(field);
        };
    }

    @Override
    public void put(int field, Object value) {
        switch (field) {
            case 0 -> id = (CharSequence) value;
            case 1 -> amount = (Long) value;
            default -> throw new IndexOutOfBoundsException(field);
        }
    }

    public String id() {
        return id == null ? null : id.toString();
    }

    public long amount() {
        return amount;
    }
}
