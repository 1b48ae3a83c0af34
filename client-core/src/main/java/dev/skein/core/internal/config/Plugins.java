package dev.skein.core.internal.config;

import dev.skein.core.errors.ConfigException;

import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/** Resolves classes named in a property ({@code interceptor.classes}) and checks that they can be made. */
public final class Plugins {
    private Plugins() {}

    /**
     * Each of {@code specs} (a class name or a {@code Class}) as a class of {@code type} with a public
     * no-arg constructor, in order.
     *
     * @throws ConfigException naming {@code key} and the class at fault
     */
    @SuppressWarnings("unchecked")
    public static <T> List<Class<? extends T>> classes(String key, List<?> specs, Class<? super T> type) {
        List<Class<? extends T>> out = new ArrayList<>();
        for (Object spec : specs) {
            Class<?> c;
            if (spec instanceof Class<?> given) {
                c = given;
            } else if (spec instanceof String name && !name.isBlank()) {
                c = load(key, name.trim());
            } else {
                throw new ConfigException(key, "expected class names or Class objects, got " + spec);
            }
            if (!type.isAssignableFrom(c)) {
                throw new ConfigException(key, c.getName() + " does not implement " + type.getName());
            }
            if (!Modifier.isPublic(c.getModifiers()) || Modifier.isAbstract(c.getModifiers())) {
                throw new ConfigException(key, c.getName() + " must be a public, concrete class");
            }
            try {
                if (!Modifier.isPublic(c.getConstructor().getModifiers())) {
                    throw new NoSuchMethodException();
                }
            } catch (NoSuchMethodException e) {
                throw new ConfigException(key, c.getName() + " has no public no-arg constructor");
            }
            out.add((Class<? extends T>) c);
        }
        return List.copyOf(out);
    }

    /** Through the thread's context class loader (an application server's), else the SDK's own. */
    private static Class<?> load(String key, String name) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        try {
            return Class.forName(name, false, context != null ? context : Plugins.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            try {
                return Class.forName(name, false, Plugins.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError again) {
                throw new ConfigException(key, "class " + name + " not found");
            }
        }
    }
}
