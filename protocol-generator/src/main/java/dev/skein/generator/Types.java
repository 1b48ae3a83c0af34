package dev.skein.generator;

import java.util.Set;

/** How each schema type maps onto Java and onto the {@code Wire} codec calls. */
final class Types {
    private static final Set<String> PRIMITIVES = Set.of("bool", "int8", "int16", "uint16", "int32", "uint32",
            "int64", "float64", "string", "bytes", "records", "uuid");

    private Types() {}

    static boolean isPrimitive(String type) {
        return PRIMITIVES.contains(type);
    }

    /** The Java type of a single (non-array) value. */
    static String scalar(String type) {
        return switch (type) {
            case "bool" -> "boolean";
            case "int8" -> "byte";
            case "int16" -> "short";
            case "uint16", "int32" -> "int";
            case "uint32", "int64" -> "long";
            case "float64" -> "double";
            case "string" -> "String";
            case "bytes" -> "byte[]";
            case "records" -> "ByteBuf";
            case "uuid" -> "UUID";
            default -> type;
        };
    }

    static String boxed(String type) {
        return switch (type) {
            case "bool" -> "Boolean";
            case "int8" -> "Byte";
            case "int16" -> "Short";
            case "uint16", "int32" -> "Integer";
            case "uint32", "int64" -> "Long";
            case "float64" -> "Double";
            default -> scalar(type);
        };
    }

    static String java(Schema.Field f) {
        return f.array() ? "List<" + boxed(f.type()) + ">" : scalar(f.type());
    }

    static boolean isJavaPrimitive(Schema.Field f) {
        return !f.array() && switch (f.type()) {
            case "bool", "int8", "int16", "uint16", "int32", "uint32", "int64", "float64" -> true;
            default -> false;
        };
    }

    /** The Java expression of a field's default value. */
    static String defaultValue(Schema.Field f) {
        String d = f.defaultValue();
        if (f.array()) {
            return "null".equals(d) ? "null" : "new ArrayList<>(0)";
        }
        switch (f.type()) {
            case "bool":
                return d == null ? "false" : Boolean.toString(Boolean.parseBoolean(d.toLowerCase()));
            case "int8":
                return "(byte) " + number(d);
            case "int16":
                return "(short) " + number(d);
            case "uint16":
            case "int32":
                return number(d);
            case "uint32":
            case "int64":
                return number(d) + "L";
            case "float64":
                return d == null ? "0.0" : Double.toString(Double.parseDouble(d));
            case "string":
                if ("null".equals(d)) {
                    return "null";
                }
                return d == null ? "\"\"" : "\"" + d.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            case "bytes":
                return "null".equals(d) ? "null" : "Wire.EMPTY_BYTES";
            case "records":
                return "null";
            case "uuid":
                return "Wire.ZERO_UUID";
            default:
                return "null".equals(d) ? "null" : "new " + f.type() + "()";
        }
    }

    private static String number(String d) {
        if (d == null || d.isEmpty()) {
            return "0";
        }
        if (d.startsWith("0x") || d.startsWith("0X")) {
            return Long.toString(Long.parseLong(d.substring(2), 16));
        }
        return Long.toString(Long.parseLong(d));
    }
}
