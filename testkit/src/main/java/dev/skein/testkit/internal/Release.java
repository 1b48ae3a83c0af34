package dev.skein.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Apache Kafka release testkit can launch, and where its broker's jars are: the release testkit was
 * built with ({@code broker.classpath} in testkit's jar), or another (older or newer) from its
 * {@code dev.skein:skein-testkit-kafka-<release>} artifact ({@code releases/<release>.classpath}).
 * A system property {@code skein.testkit.broker.classpath.<release>} (or, for the built-in release,
 * {@code skein.testkit.broker.classpath}) names the jars instead.
 */
public record Release(int major, int minor, int patch, String text) implements Comparable<Release> {
    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    private static final String CLASSPATH_PROPERTY = "skein.testkit.broker.classpath";
    /** The release whose broker testkit carries. */
    public static final Release BUILT_IN = parse(builtInVersion());

    public static Release parse(String text) {
        Matcher m = VERSION.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not an Apache Kafka release: '" + text + "' (expected such as 3.9.1)");
        }
        return new Release(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), text.trim());
    }

    /** True for this release or a newer one than {@code major.minor}. */
    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(Release o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return text;
    }

    /** The broker's classpath, checked to exist. */
    public String classpath() {
        boolean builtIn = equals(BUILT_IN);
        String property = CLASSPATH_PROPERTY + "." + text;
        String cp = System.getProperty(property);
        if (cp == null && builtIn) {
            cp = System.getProperty(CLASSPATH_PROPERTY);
        }
        if (cp == null) {
            // broker.classpath is this module's own resource; a release's comes from its own artifact, found
            // through the class loader (a named module's Class.getResourceAsStream looks only in itself).
            try (InputStream in = builtIn ? Release.class.getResourceAsStream("/dev/skein/testkit/broker.classpath")
                    : Release.class.getClassLoader().getResourceAsStream("dev/skein/testkit/releases/" + text + ".classpath")) {
                if (in == null) {
                    throw new IllegalStateException(builtIn
                            ? "testkit was built without broker.classpath; set -D" + CLASSPATH_PROPERTY
                                    + " to the Apache Kafka broker's classpath"
                            : "Apache Kafka " + text + " is not on the test classpath: add the test dependency"
                                    + " dev.skein:skein-testkit-kafka-" + text + ", or set -D" + property
                                    + " to that broker's jars");
                }
                cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String entry : cp.split(File.pathSeparator)) {
            if (!entry.isEmpty() && !Files.exists(Path.of(entry))) {
                throw new IllegalStateException("classpath entry " + entry + " of Apache Kafka " + text + " is missing;"
                        + " rebuild (mvn -B install -DskipTests) or set -D" + property);
            }
        }
        String self;
        try {
            self = Path.of(BrokerMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return self + File.pathSeparator + cp;
    }

    private static String builtInVersion() {
        try (InputStream in = Release.class.getResourceAsStream("/dev/skein/testkit/testkit.properties")) {
            if (in == null) {
                throw new IllegalStateException("testkit.properties is missing from testkit's jar");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("kafka.release");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
