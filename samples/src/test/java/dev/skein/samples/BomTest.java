package dev.skein.samples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The BOM (which has no parent, so that skein-parent's dependency management stays out of users'
 * builds) keeps the parent's version and lists exactly the published modules: every module of the
 * parent that does not set {@code maven.deploy.skip}.
 */
class BomTest {
    private static final Path ROOT = Path.of("..");

    @Test
    void theBomListsEveryPublishedModuleAtTheParentsVersion() throws IOException {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        String bom = Files.readString(ROOT.resolve("bom/pom.xml"));
        assertEquals(first(parent, "<version>([^<]+)</version>"), first(bom, "<version>([^<]+)</version>"),
                "bom/pom.xml has the parent's version");

        Set<String> published = new TreeSet<>();
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(parent);
        while (modules.find()) {
            String module = modules.group(1);
            if (module.equals("bom")) {
                continue;
            }
            String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            if (!pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")) {
                // The module's own artifactId: the first one after its parent block.
                published.add(first(pom.substring(pom.indexOf("</parent>")), "<artifactId>([^<]+)</artifactId>"));
            }
        }
        Set<String> listed = new TreeSet<>();
        Matcher deps = Pattern.compile("<artifactId>([^<]+)</artifactId><version>\\$\\{project.version}</version>").matcher(bom);
        while (deps.find()) {
            listed.add(deps.group(1));
        }
        assertEquals(published, listed, "bom/pom.xml manages every published module and nothing else");
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + regex);
        }
        return m.group(1);
    }
}
