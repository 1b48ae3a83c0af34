package dev.skein.serdes.internal;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.Descriptors;
import com.google.protobuf.TextFormat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link FileDescriptorProto} as {@code .proto} source, the form the Schema Registry stores
 * and other clients read: syntax, package, imports, the Java file options, messages (nested types,
 * map fields, oneofs and proto3 {@code optional}, reserved ranges and names, extension ranges, field
 * defaults and {@code packed}) and enums. Type references are written fully qualified with a leading
 * dot, which every .proto parser accepts. Services, extensions ({@code extend}) and other options are
 * left out: they do not change how a message is encoded. Proto2 groups and editions are refused.
 */
public final class ProtoPrinter {
    private final StringBuilder out = new StringBuilder();
    private final boolean proto3;

    private ProtoPrinter(boolean proto3) {
        this.proto3 = proto3;
    }

    /** The .proto source of {@code file}, with every type reference resolved and fully qualified. */
    public static String print(Descriptors.FileDescriptor file) {
        FileDescriptorProto.Builder b = file.toProto().toBuilder();
        for (int i = 0; i < file.getMessageTypes().size(); i++) {
            qualify(file.getMessageTypes().get(i), b.getMessageTypeBuilder(i));
        }
        return print(b.build());
    }

    private static void qualify(Descriptors.Descriptor d, DescriptorProto.Builder b) {
        for (int i = 0; i < d.getFields().size(); i++) {
            Descriptors.FieldDescriptor f = d.getFields().get(i);
            FieldDescriptorProto.Builder fb = b.getFieldBuilder(i);
            if (f.getType() == Descriptors.FieldDescriptor.Type.MESSAGE) {
                fb.setType(FieldDescriptorProto.Type.TYPE_MESSAGE).setTypeName("." + f.getMessageType().getFullName());
            } else if (f.getType() == Descriptors.FieldDescriptor.Type.ENUM) {
                fb.setType(FieldDescriptorProto.Type.TYPE_ENUM).setTypeName("." + f.getEnumType().getFullName());
            }
        }
        for (int i = 0; i < d.getNestedTypes().size(); i++) {
            qualify(d.getNestedTypes().get(i), b.getNestedTypeBuilder(i));
        }
    }

    static String print(FileDescriptorProto file) {
        String syntax = file.getSyntax().isEmpty() ? "proto2" : file.getSyntax();
        if (!syntax.equals("proto2") && !syntax.equals("proto3")) {
            throw new IllegalArgumentException(file.getName() + ": syntax " + syntax + " is not supported (proto2 and proto3 are)");
        }
        ProtoPrinter p = new ProtoPrinter(syntax.equals("proto3"));
        p.out.append("syntax = \"").append(syntax).append("\";\n");
        if (!file.getPackage().isEmpty()) {
            p.out.append("package ").append(file.getPackage()).append(";\n");
        }
        Set<Integer> publicDeps = new HashSet<>(file.getPublicDependencyList());
        for (int i = 0; i < file.getDependencyCount(); i++) {
            p.out.append(publicDeps.contains(i) ? "import public \"" : "import \"")
                    .append(TextFormat.escapeDoubleQuotesAndBackslashes(file.getDependency(i))).append("\";\n");
        }
        FileOptions o = file.getOptions();
        if (o.hasJavaPackage()) {
            p.option("java_package", quote(o.getJavaPackage()));
        }
        if (o.hasJavaOuterClassname()) {
            p.option("java_outer_classname", quote(o.getJavaOuterClassname()));
        }
        if (o.hasJavaMultipleFiles()) {
            p.option("java_multiple_files", Boolean.toString(o.getJavaMultipleFiles()));
        }
        for (DescriptorProto m : file.getMessageTypeList()) {
            p.out.append('\n');
            p.message(m, "");
        }
        for (EnumDescriptorProto e : file.getEnumTypeList()) {
            p.out.append('\n');
            p.enumType(e, "");
        }
        return p.out.toString();
    }

    private void option(String name, String value) {
        out.append("option ").append(name).append(" = ").append(value).append(";\n");
    }

    private void message(DescriptorProto m, String indent) {
        out.append(indent).append("message ").append(m.getName()).append(" {\n");
        String in = indent + "  ";
        Map<String, DescriptorProto> mapEntries = new HashMap<>();
        for (DescriptorProto nested : m.getNestedTypeList()) {
            if (nested.getOptions().getMapEntry()) {
                mapEntries.put(nested.getName(), nested);
            }
        }
        Set<Integer> printedOneofs = new HashSet<>();
        for (FieldDescriptorProto f : m.getFieldList()) {
            boolean realOneof = f.hasOneofIndex() && !f.getProto3Optional();
            if (!realOneof) {
                field(f, in, mapEntries, false);
            } else if (printedOneofs.add(f.getOneofIndex())) {
                out.append(in).append("oneof ").append(m.getOneofDecl(f.getOneofIndex()).getName()).append(" {\n");
                for (FieldDescriptorProto g : m.getFieldList()) {
                    if (g.hasOneofIndex() && !g.getProto3Optional() && g.getOneofIndex() == f.getOneofIndex()) {
                        field(g, in + "  ", mapEntries, true);
                    }
                }
                out.append(in).append("}\n");
            }
        }
        for (DescriptorProto nested : m.getNestedTypeList()) {
            if (!nested.getOptions().getMapEntry()) {
                message(nested, in);
            }
        }
        for (EnumDescriptorProto e : m.getEnumTypeList()) {
            enumType(e, in);
        }
        for (DescriptorProto.ExtensionRange r : m.getExtensionRangeList()) {
            out.append(in).append("extensions ").append(range(r.getStart(), r.getEnd() - 1)).append(";\n");
        }
        for (DescriptorProto.ReservedRange r : m.getReservedRangeList()) {
            out.append(in).append("reserved ").append(range(r.getStart(), r.getEnd() - 1)).append(";\n");
        }
        for (String name : m.getReservedNameList()) {
            out.append(in).append("reserved ").append(quote(name)).append(";\n");
        }
        out.append(indent).append("}\n");
    }

    private void field(FieldDescriptorProto f, String in, Map<String, DescriptorProto> mapEntries, boolean inOneof) {
        if (f.getType() == FieldDescriptorProto.Type.TYPE_GROUP) {
            throw new IllegalArgumentException("field " + f.getName() + ": proto2 groups are not supported");
        }
        out.append(in);
        DescriptorProto entry = f.getLabel() == FieldDescriptorProto.Label.LABEL_REPEATED
                ? mapEntries.get(simpleName(f.getTypeName())) : null;
        if (entry != null) {
            out.append("map<").append(type(entry.getField(0))).append(", ").append(type(entry.getField(1))).append("> ");
        } else {
            if (!inOneof) {
                switch (f.getLabel()) {
                    case LABEL_REPEATED -> out.append("repeated ");
                    case LABEL_REQUIRED -> out.append("required ");
                    default -> {
                        if (!proto3 || f.getProto3Optional()) {
                            out.append("optional ");
                        }
                    }
                }
            }
            out.append(type(f)).append(' ');
        }
        out.append(f.getName()).append(" = ").append(f.getNumber());
        StringBuilder opts = new StringBuilder();
        if (f.hasDefaultValue()) {
            String d = f.getDefaultValue();
            boolean quoted = f.getType() == FieldDescriptorProto.Type.TYPE_STRING
                    || f.getType() == FieldDescriptorProto.Type.TYPE_BYTES;
            // descriptor.proto: string defaults are raw text, bytes defaults are C-escaped already
            opts.append("default = ").append(quoted ? "\"" + (f.getType() == FieldDescriptorProto.Type.TYPE_BYTES
                    ? d : TextFormat.escapeDoubleQuotesAndBackslashes(d)) + "\"" : d);
        }
        if (f.getOptions().hasPacked()) {
            opts.append(opts.isEmpty() ? "" : ", ").append("packed = ").append(f.getOptions().getPacked());
        }
        if (!opts.isEmpty()) {
            out.append(" [").append(opts).append(']');
        }
        out.append(";\n");
    }

    private void enumType(EnumDescriptorProto e, String indent) {
        out.append(indent).append("enum ").append(e.getName()).append(" {\n");
        String in = indent + "  ";
        if (e.getOptions().hasAllowAlias()) {
            out.append(in).append("option allow_alias = ").append(e.getOptions().getAllowAlias()).append(";\n");
        }
        for (EnumValueDescriptorProto v : e.getValueList()) {
            out.append(in).append(v.getName()).append(" = ").append(v.getNumber()).append(";\n");
        }
        for (EnumDescriptorProto.EnumReservedRange r : e.getReservedRangeList()) {
            out.append(in).append("reserved ").append(range(r.getStart(), r.getEnd())).append(";\n"); // inclusive end
        }
        for (String name : e.getReservedNameList()) {
            out.append(in).append("reserved ").append(quote(name)).append(";\n");
        }
        out.append(indent).append("}\n");
    }

    private static String range(int from, int toInclusive) {
        if (from == toInclusive) {
            return Integer.toString(from);
        }
        return from + " to " + (toInclusive >= 0x1fffffff ? "max" : Integer.toString(toInclusive));
    }

    private static String type(FieldDescriptorProto f) {
        return switch (f.getType()) {
            case TYPE_MESSAGE, TYPE_ENUM -> f.getTypeName();
            default -> f.getType().name().substring(5).toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String simpleName(String typeName) {
        return typeName.substring(typeName.lastIndexOf('.') + 1);
    }

    private static String quote(String s) {
        return "\"" + TextFormat.escapeDoubleQuotesAndBackslashes(s) + "\"";
    }
}
