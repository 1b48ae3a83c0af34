package dev.skein.serdes.internal;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code .proto} source (proto2 and proto3) into a {@link FileDescriptorProto}, enough to decode
 * messages: package, imports, messages (nested, map fields, oneofs, proto3 {@code optional}, reserved,
 * extension ranges, {@code default} and {@code packed}), enums, and the Java file options. Services,
 * {@code extend} blocks and all other options are read and skipped. Type references are kept as
 * written; {@code FileDescriptor.buildFrom} resolves them by protobuf's scoping rules. Comments of
 * both kinds are allowed anywhere. Bad input raises {@link IllegalArgumentException} with the line.
 */
public final class ProtoParser {
    private static final Map<String, Type> SCALARS = Map.ofEntries(
            Map.entry("double", Type.TYPE_DOUBLE), Map.entry("float", Type.TYPE_FLOAT),
            Map.entry("int64", Type.TYPE_INT64), Map.entry("uint64", Type.TYPE_UINT64),
            Map.entry("int32", Type.TYPE_INT32), Map.entry("fixed64", Type.TYPE_FIXED64),
            Map.entry("fixed32", Type.TYPE_FIXED32), Map.entry("bool", Type.TYPE_BOOL),
            Map.entry("string", Type.TYPE_STRING), Map.entry("bytes", Type.TYPE_BYTES),
            Map.entry("uint32", Type.TYPE_UINT32), Map.entry("sfixed32", Type.TYPE_SFIXED32),
            Map.entry("sfixed64", Type.TYPE_SFIXED64), Map.entry("sint32", Type.TYPE_SINT32),
            Map.entry("sint64", Type.TYPE_SINT64));

    private final List<String> tokens;
    private final List<Integer> lines;
    private int pos;
    private boolean proto3;

    private ProtoParser(String text) {
        ProtoTokenizer t = new ProtoTokenizer(text);
        this.tokens = t.tokens();
        this.lines = t.lines();
    }

    /** @param fileName the name other files import this one by */
    public static FileDescriptorProto parse(String fileName, String text) {
        return new ProtoParser(text).file(fileName);
    }

    private FileDescriptorProto file(String fileName) {
        FileDescriptorProto.Builder f = FileDescriptorProto.newBuilder().setName(fileName);
        while (pos < tokens.size()) {
            String t = next();
            switch (t) {
                case "syntax" -> {
                    expect("=");
                    String syntax = string();
                    expect(";");
                    if (!syntax.equals("proto2") && !syntax.equals("proto3")) {
                        throw error("syntax " + syntax + " is not supported");
                    }
                    proto3 = syntax.equals("proto3");
                    if (proto3) {
                        f.setSyntax("proto3");
                    }
                }
                case "edition" -> throw error("editions are not supported (proto2 and proto3 are)");
                case "package" -> {
                    f.setPackage(next());
                    expect(";");
                }
                case "import" -> {
                    String path;
                    if (peek().equals("public")) {
                        next();
                        f.addPublicDependency(f.getDependencyCount());
                    } else if (peek().equals("weak")) {
                        next();
                        f.addWeakDependency(f.getDependencyCount());
                    }
                    path = string();
                    f.addDependency(path);
                    expect(";");
                }
                case "option" -> fileOption(f);
                case "message" -> f.addMessageType(message());
                case "enum" -> f.addEnumType(enumType());
                case "service", "extend" -> {
                    next();
                    skipBlock();
                }
                case ";" -> { }
                default -> throw error("unexpected '" + t + "'");
            }
        }
        return f.build();
    }

    private void fileOption(FileDescriptorProto.Builder f) {
        String name = optionName();
        expect("=");
        switch (name) {
            case "java_package" -> f.getOptionsBuilder().setJavaPackage(string());
            case "java_outer_classname" -> f.getOptionsBuilder().setJavaOuterClassname(string());
            case "java_multiple_files" -> f.getOptionsBuilder().setJavaMultipleFiles(Boolean.parseBoolean(next()));
            default -> constant();
        }
        expect(";");
    }

    private DescriptorProto message() {
        DescriptorProto.Builder m = DescriptorProto.newBuilder().setName(next());
        List<FieldDescriptorProto.Builder> fields = new ArrayList<>();
        List<String> syntheticOneofs = new ArrayList<>();
        List<FieldDescriptorProto.Builder> syntheticFields = new ArrayList<>();
        expect("{");
        while (!peek().equals("}")) {
            String t = next();
            switch (t) {
                case "message" -> m.addNestedType(message());
                case "enum" -> m.addEnumType(enumType());
                case "option" -> {
                    optionName();
                    expect("=");
                    constant();
                    expect(";");
                }
                case "reserved" -> reserved(m);
                case "extensions" -> {
                    do {
                        int[] r = range();
                        m.addExtensionRange(DescriptorProto.ExtensionRange.newBuilder().setStart(r[0]).setEnd(r[1] + 1));
                    } while (accept(","));
                    skipOptions();
                    expect(";");
                }
                case "extend" -> {
                    next();
                    skipBlock();
                }
                case "oneof" -> {
                    int index = m.getOneofDeclCount();
                    m.addOneofDecl(OneofDescriptorProto.newBuilder().setName(next()));
                    expect("{");
                    while (!accept("}")) {
                        if (accept("option")) {
                            optionName();
                            expect("=");
                            constant();
                            expect(";");
                        } else if (!accept(";")) {
                            fields.add(field(next(), Label.LABEL_OPTIONAL, m).setOneofIndex(index));
                        }
                    }
                }
                case "map" -> fields.add(mapField(m));
                case "group" -> throw error("proto2 groups are not supported");
                case ";" -> { }
                default -> {
                    Label label = switch (t) {
                        case "repeated" -> Label.LABEL_REPEATED;
                        case "required" -> Label.LABEL_REQUIRED;
                        case "optional" -> Label.LABEL_OPTIONAL;
                        default -> null;
                    };
                    FieldDescriptorProto.Builder f = field(label == null ? t : next(),
                            label == null ? Label.LABEL_OPTIONAL : label, m);
                    if (proto3 && t.equals("optional")) {
                        // proto3 optional: a synthetic oneof per field, after all real oneofs
                        f.setProto3Optional(true);
                        syntheticOneofs.add("_" + f.getName());
                        syntheticFields.add(f);
                    }
                    fields.add(f);
                }
            }
        }
        expect("}");
        for (int i = 0; i < syntheticOneofs.size(); i++) {
            syntheticFields.get(i).setOneofIndex(m.getOneofDeclCount());
            m.addOneofDecl(OneofDescriptorProto.newBuilder().setName(syntheticOneofs.get(i)));
        }
        fields.forEach(m::addField);
        return m.build();
    }

    private FieldDescriptorProto.Builder field(String type, Label label, DescriptorProto.Builder m) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder().setLabel(label);
        if (type.equals("group")) {
            throw error("proto2 groups are not supported");
        }
        Type scalar = SCALARS.get(type);
        if (scalar != null) {
            f.setType(scalar);
        } else {
            f.setTypeName(type); // message or enum: resolved when the descriptor is built
        }
        f.setName(next());
        expect("=");
        f.setNumber(number());
        if (accept("[")) {
            do {
                String name = optionName();
                expect("=");
                switch (name) {
                    case "default" -> f.setDefaultValue(defaultValue(f));
                    case "packed" -> f.getOptionsBuilder().setPacked(Boolean.parseBoolean(next()));
                    case "json_name" -> f.setJsonName(string());
                    default -> constant();
                }
            } while (accept(","));
            expect("]");
        }
        expect(";");
        return f;
    }

    private FieldDescriptorProto.Builder mapField(DescriptorProto.Builder m) {
        expect("<");
        String key = next();
        expect(",");
        String value = next();
        expect(">");
        FieldDescriptorProto.Builder f = field(value, Label.LABEL_REPEATED, m);
        // protoc's rule: the entry type is the field name in CamelCase plus "Entry"
        String entry = camel(f.getName()) + "Entry";
        DescriptorProto.Builder e = DescriptorProto.newBuilder().setName(entry);
        e.getOptionsBuilder().setMapEntry(true);
        e.addField(typed(FieldDescriptorProto.newBuilder().setName("key").setNumber(1).setLabel(Label.LABEL_OPTIONAL), key));
        e.addField(typed(FieldDescriptorProto.newBuilder().setName("value").setNumber(2).setLabel(Label.LABEL_OPTIONAL), value));
        m.addNestedType(e);
        return f.clearType().setTypeName(entry);
    }

    private static FieldDescriptorProto.Builder typed(FieldDescriptorProto.Builder f, String type) {
        Type scalar = SCALARS.get(type);
        return scalar != null ? f.setType(scalar) : f.setTypeName(type);
    }

    private EnumDescriptorProto enumType() {
        EnumDescriptorProto.Builder e = EnumDescriptorProto.newBuilder().setName(next());
        expect("{");
        while (!accept("}")) {
            String t = next();
            if (t.equals("option")) {
                String name = optionName();
                expect("=");
                if (name.equals("allow_alias")) {
                    e.getOptionsBuilder().setAllowAlias(Boolean.parseBoolean(next()));
                } else {
                    constant();
                }
                expect(";");
            } else if (t.equals("reserved")) {
                do {
                    if (peek().startsWith("\"")) {
                        e.addReservedName(string());
                    } else {
                        int[] r = range();
                        e.addReservedRange(EnumDescriptorProto.EnumReservedRange.newBuilder().setStart(r[0]).setEnd(r[1]));
                    }
                } while (accept(","));
                expect(";");
            } else if (!t.equals(";")) {
                expect("=");
                e.addValue(EnumValueDescriptorProto.newBuilder().setName(t).setNumber(number()));
                skipOptions();
                expect(";");
            }
        }
        return e.build();
    }

    private void reserved(DescriptorProto.Builder m) {
        do {
            if (peek().startsWith("\"")) {
                m.addReservedName(string());
            } else {
                int[] r = range();
                m.addReservedRange(DescriptorProto.ReservedRange.newBuilder().setStart(r[0]).setEnd(r[1] + 1));
            }
        } while (accept(","));
        expect(";");
    }

    /** An inclusive range "n", "n to m" or "n to max" (max: the largest field number). */
    private int[] range() {
        int from = number();
        int to = from;
        if (accept("to")) {
            to = accept("max") ? 0x1fffffff : number();
        }
        return new int[] {from, to};
    }

    private String defaultValue(FieldDescriptorProto.Builder f) {
        if (peek().startsWith("\"")) {
            String raw = tokens.get(pos);
            String s = string();
            // descriptor.proto keeps bytes defaults C-escaped and string defaults unescaped
            return f.getType() == Type.TYPE_BYTES ? raw.substring(1, raw.length() - 1) : s;
        }
        String v = next();
        if (v.equals("-")) {
            v = "-" + next();
        }
        return v;
    }

    private String optionName() {
        StringBuilder b = new StringBuilder();
        if (accept("(")) {
            b.append('(').append(next()).append(')');
            expect(")");
        } else {
            b.append(next());
        }
        while (peek().startsWith(".")) {
            b.append(next());
        }
        return b.toString();
    }

    /** Skips an option value: a scalar, a string, or an aggregate {@code { ... }}. */
    private void constant() {
        if (peek().equals("{")) {
            next();
            skipRest();
        } else {
            String v = next();
            if (v.equals("-")) {
                next();
            }
            while (peek().startsWith("\"")) {
                next(); // adjacent string literals concatenate
            }
        }
    }

    private void skipOptions() {
        if (accept("[")) {
            int depth = 1;
            while (depth > 0) {
                String t = next();
                depth += t.equals("[") ? 1 : t.equals("]") ? -1 : 0;
            }
        }
    }

    private void skipBlock() {
        while (!accept("{")) {
            next();
        }
        skipRest();
    }

    private void skipRest() {
        int depth = 1;
        while (depth > 0) {
            String t = next();
            depth += t.equals("{") ? 1 : t.equals("}") ? -1 : 0;
        }
    }

    private int number() {
        String t = next();
        boolean negative = t.equals("-");
        if (negative) {
            t = next();
        }
        try {
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16)
                    : t.length() > 1 && t.startsWith("0") ? Long.parseLong(t.substring(1), 8) : Long.parseLong(t);
            return Math.toIntExact(negative ? -v : v);
        } catch (NumberFormatException | ArithmeticException e) {
            throw error("expected a number, found '" + t + "'");
        }
    }

    private String string() {
        StringBuilder out = new StringBuilder();
        do {
            String t = next();
            if (!t.startsWith("\"")) {
                throw error("expected a string, found '" + t + "'");
            }
            ProtoTokenizer.unescape(t.substring(1, t.length() - 1), out);
        } while (peek().startsWith("\""));
        return out.toString();
    }


    private static String camel(String name) {
        StringBuilder b = new StringBuilder();
        boolean upper = true;
        for (char c : name.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    private String peek() {
        return pos < tokens.size() ? tokens.get(pos) : "";
    }

    private String next() {
        if (pos >= tokens.size()) {
            throw error("unexpected end of the schema");
        }
        return tokens.get(pos++);
    }

    private boolean accept(String t) {
        if (peek().equals(t)) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(String t) {
        String got = next();
        if (!got.equals(t)) {
            pos--;
            throw error("expected '" + t + "', found '" + got + "'");
        }
    }

    private IllegalArgumentException error(String what) {
        int line = lines.isEmpty() ? 1 : lines.get(Math.min(pos, lines.size() - 1));
        return new IllegalArgumentException("bad .proto schema, line " + line + ": " + what);
    }
}
