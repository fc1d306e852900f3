package io.meteringest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.meteringest.bench.Benchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped JVM options (heap, GC, JIT) are written in several places, each where its reader looks: README's run
 * command, the Docker image and compose file, the class-data-sharing archive's build (the archive is made with the
 * options it is mapped with) and the benchmark. Each must say the same, or a figure in README would not be the shipped
 * process's; README's run command is the reference.
 */
class ShippedJvmOptionsTest {

    // every -X and -XX option (up to a blank, quote or XML tag); the archive's path differs by place and is left out
    private static final Pattern OPTION = Pattern.compile("-X(?!X:SharedArchiveFile=)[^\\s\"<\\\\]+");

    @Test
    void every_place_that_runs_the_jar_gives_the_run_commands_jvm_options() throws IOException {
        String run = lineStartingWith(Path.of("README.md"), "./mvnw -q package -DskipTests && java ");
        List<String> shipped = options(run.substring(0, run.indexOf(" -jar ")));
        assertFalse(shipped.isEmpty(), "no JVM options found in README's run command: " + run);
        assertEquals(List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), shipped,
                "README's run command (change the others with it)");

        Map<String, List<String>> places = new LinkedHashMap<>();
        places.put("docker/Dockerfile JAVA_OPTS", options(lineContaining(Path.of("docker", "Dockerfile"), "JAVA_OPTS=\"-X")));
        places.put("docker/Dockerfile cds-archive.sh", options(lineContaining(Path.of("docker", "Dockerfile"), "cds-archive.sh \"")));
        places.put("docker/compose.yaml JAVA_OPTS", options(lineContaining(Path.of("docker", "compose.yaml"), "-XX:SharedArchiveFile")));
        String pom = Files.readString(Path.of("pom.xml"));
        places.put("pom.xml bench.app-jvm-options", options(between(pom, "<bench.app-jvm-options>", "</bench.app-jvm-options>")));
        places.put("pom.xml cds-archive arguments", options(between(pom, "meter-ingest.jsa</argument>", "</arguments>")));
        places.put("Benchmark.APP_JVM_OPTIONS", options(Benchmark.APP_JVM_OPTIONS));
        places.forEach((place, options) -> assertEquals(shipped, options, place));
    }

    @Test
    void the_option_scan_keeps_jvm_options_and_leaves_out_the_rest() {
        assertEquals(List.of("-Xms64m", "-Xmx1g", "-Xss512k", "-XX:-UseCompressedOops", "-XX:MaxRAMPercentage=75.0",
                        "-Xlog:gc:file=/tmp/gc.log"),
                options("java -Xms64m -Xmx1g -Xss512k -XX:-UseCompressedOops -XX:MaxRAMPercentage=75.0 -XX:SharedArchiveFile=a.jsa"
                        + " -Xlog:gc:file=/tmp/gc.log -Dingest.queue=q -jar target/meter-ingest.jar"));
        assertEquals(List.of("-Xmx1g", "-XX:+UseSerialGC"), options("<argument>-Xmx1g</argument><argument>-XX:+UseSerialGC</argument>"));
        assertEquals(List.of("-Xmx1g"), options("JAVA_OPTS=\"-Xmx1g\" \\"));
    }

    private static List<String> options(String text) {
        List<String> found = new ArrayList<>();
        Matcher m = OPTION.matcher(text);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    private static String lineStartingWith(Path file, String start) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.startsWith(start)).findFirst()
                .orElseThrow(() -> new AssertionError("no line of " + file + " starts with " + start));
    }

    private static String lineContaining(Path file, String part) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> l.contains(part)).findFirst()
                .orElseThrow(() -> new AssertionError("no line of " + file + " contains " + part));
    }

    private static String between(String text, String from, String to) {
        int start = text.indexOf(from);
        int end = text.indexOf(to, start + from.length());
        if (start < 0 || end < 0) {
            throw new AssertionError("pom.xml has no " + from + " ... " + to);
        }
        return text.substring(start + from.length(), end);
    }
}
