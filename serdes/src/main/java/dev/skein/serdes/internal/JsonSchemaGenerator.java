package dev.skein.serdes.internal;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * A JSON Schema (draft-07) for a Java class, from what the given Jackson mapper would write: its
 * properties and their types, primitives required, references nullable, enums as their names. The
 * schema's {@code title} is the class's full name (the record name for subject strategies).
 * Deliberately small: classes that need more (formats, bounds, patterns) should give their schema
 * explicitly.
 */
public final class JsonSchemaGenerator {
    private final ObjectMapper mapper;

    public JsonSchemaGenerator(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectNode schemaFor(JavaType type) {
        ObjectNode root = mapper.createObjectNode();
        root.put("$schema", "http://json-schema.org/draft-07/schema#");
        root.put("title", type.getRawClass().getName());
        root.setAll(node(type, false, new HashSet<>()));
        return root;
    }

    private ObjectNode node(JavaType type, boolean nullable, Set<Class<?>> visiting) {
        ObjectNode n = mapper.createObjectNode();
        Class<?> raw = type.getRawClass();
        if (raw == String.class || raw == char.class || raw == Character.class || raw == UUID.class
                || Temporal.class.isAssignableFrom(raw)) {
            type(n, "string", nullable);
        } else if (raw == boolean.class || raw == Boolean.class) {
            type(n, "boolean", nullable);
        } else if (raw == int.class || raw == long.class || raw == short.class || raw == byte.class
                || raw == Integer.class || raw == Long.class || raw == Short.class || raw == Byte.class
                || raw == BigInteger.class) {
            type(n, "integer", nullable);
        } else if (raw == float.class || raw == double.class || raw == Float.class || raw == Double.class
                || raw == BigDecimal.class) {
            type(n, "number", nullable);
        } else if (raw.isEnum()) {
            type(n, "string", nullable);
            ArrayNode values = n.putArray("enum");
            for (Object c : raw.getEnumConstants()) {
                values.add(((Enum<?>) c).name());
            }
            if (nullable) {
                values.addNull();
            }
        } else if (type.isArrayType() || type.isCollectionLikeType()) {
            type(n, "array", nullable);
            n.set("items", node(type.getContentType(), true, visiting));
        } else if (type.isMapLikeType()) {
            type(n, "object", nullable);
            n.set("additionalProperties", node(type.getContentType(), true, visiting));
        } else if (raw == Object.class || !visiting.add(raw)) {
            return n; // any value; a recursive type is cut here rather than expanded forever
        } else {
            type(n, "object", nullable);
            ObjectNode props = n.putObject("properties");
            ArrayNode required = mapper.createArrayNode();
            BeanDescription bean = mapper.getSerializationConfig().introspect(type);
            for (BeanPropertyDefinition p : bean.findProperties()) {
                if (!p.couldSerialize()) {
                    continue;
                }
                JavaType pt = p.getPrimaryType();
                props.set(p.getName(), node(pt, !pt.isPrimitive(), visiting));
                if (pt.isPrimitive()) {
                    required.add(p.getName());
                }
            }
            if (!required.isEmpty()) {
                n.set("required", required);
            }
            visiting.remove(raw);
        }
        return n;
    }

    private static void type(ObjectNode n, String type, boolean nullable) {
        if (nullable) {
            n.putArray("type").add(type).add("null");
        } else {
            n.put("type", type);
        }
    }
}
