package io.meteringest.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meteringest.SettingsCheck;
import io.meteringest.StartupException;
import io.meteringest.local.EmbeddedAws;
import io.meteringest.testkit.AwsKit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can be checked of docker/ without a Docker engine: the Dockerfile copies files the build
 * makes and runs as non-root on a JRE; its steps, run in a folder, build and map the class-data-sharing archive; the compose file is valid (Debian's docker-compose, offline);
 * the LocalStack init script creates the queue, dead-letter queue and bucket the app expects; the
 * app's settings there pass the startup checks, and its /observe account works.
 */
class DockerFilesIT {

    @Test
    void the_dockerfile_copies_what_the_build_makes_and_runs_as_non_root_on_a_jre() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docker", "Dockerfile"));
        assertTrue(lines.stream().anyMatch(l -> l.matches("FROM eclipse-temurin:17-jre.*")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.equals("USER meter")), "runs as a non-root user");
        for (String line : lines) {
            if (line.startsWith("COPY ")) {
                String[] parts = line.substring(5).trim().split("\\s+");
                for (int i = 0; i < parts.length - 1; i++) {
                    assertTrue(Files.exists(Path.of(parts[i])), line + ": " + parts[i] + " is not in the build");
                }
            }
        }
    }

    /**
     * The image's steps without Docker: its COPY lines lay out a folder as /app, its RUN line builds the class-data-sharing
     * archive there with this JDK, and its ENTRYPOINT with its ENV's JAVA_OPTS (the archive named relative to /app) starts
     * the jar mapping it: with -Xshare:on the JVM refuses to start when the archive does not fit the jars beside it.
     */
    @Test
    void the_images_layout_builds_and_maps_its_class_data_sharing_archive(@TempDir Path app) throws Exception {
        String dockerfile = Files.readString(Path.of("docker", "Dockerfile")).replace("\\\n", " ");
        List<String> steps = dockerfile.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        assertTrue(steps.contains("WORKDIR /app"), "the COPY destinations below are relative to /app");
        for (String step : steps) {
            if (step.startsWith("COPY ")) {
                List<String> parts = List.of(step.substring(5).trim().split("\\s+"));
                Path destination = app.resolve(parts.get(parts.size() - 1));
                for (String source : parts.subList(0, parts.size() - 1)) {
                    copy(Path.of(source), destination);
                }
            }
        }
        String build = steps.stream().filter(l -> l.startsWith("RUN ") && l.contains("cds-archive.sh")).findFirst().orElseThrow();
        String java = Path.of(System.getProperty("java.home"), "bin").toString();
        ProcessBuilder run = new ProcessBuilder("sh", "-c", build.substring(4)).directory(app.toFile());
        run.environment().put("PATH", java + ":" + System.getenv("PATH")); // the image's java: this JDK
        Finished archive = finish(run, Duration.ofMinutes(3)); // the pom gives the same script 180 s
        String archiveOutput = archive.output();
        assertEquals(0, archive.exit(), archiveOutput);
        assertTrue(Files.size(app.resolve("meter-ingest.jsa")) > 0, archiveOutput);
        assertTrue(Files.notExists(app.resolve("cds-archive.sh")) && Files.notExists(app.resolve("cds-training")),
                "the build's leftovers are removed");

        // the image's environment, from its ENV lines (KEY=value or KEY="value")
        Map<String, String> env = new HashMap<>();
        Matcher pair = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|(\\S+))").matcher(String.join(" ",
                steps.stream().filter(l -> l.startsWith("ENV ")).map(l -> l.substring(4)).toList()));
        while (pair.find()) {
            env.put(pair.group(1), pair.group(2) != null ? pair.group(2) : pair.group(3));
        }
        String javaOpts = env.getOrDefault("JAVA_OPTS", "");
        assertTrue(javaOpts.contains("-XX:SharedArchiveFile=meter-ingest.jsa"), "the image's JAVA_OPTS: " + javaOpts);
        assertEquals("false", env.get("INGEST_EMBEDDED"), "no embedded servers in a container");
        Matcher entrypoint = Pattern.compile("^ENTRYPOINT \\[(.*)]$", Pattern.MULTILINE).matcher(dockerfile);
        assertTrue(entrypoint.find(), "an exec-form ENTRYPOINT");
        List<String> command = new java.util.ArrayList<>();
        Matcher word = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(entrypoint.group(1));
        while (word.find()) {
            command.add(word.group(1).replace("\\\"", "\""));
        }
        ProcessBuilder start = new ProcessBuilder(command).directory(app.toFile());
        start.environment().putAll(env);
        start.environment().put("PATH", java + ":" + System.getenv("PATH"));
        // a setting that stops it at once, after Camel main and the settings check have loaded
        start.environment().put("JAVA_OPTS", javaOpts + " -Xshare:on -Xlog:class+load=info -Dingest.aggregation.window=bogus");
        Finished started = finish(start, Duration.ofMinutes(1));
        String output = started.output();
        assertEquals(1, started.exit(), output);
        assertTrue(output.contains("meter-ingest cannot start: ingest.aggregation.window"), output);
        assertTrue(output.lines().anyMatch(l -> l.endsWith("io.meteringest.Application source: shared objects file")), output);
    }

    private record Finished(int exit, String output) {
    }

    /** Runs it to its end, output and errors together; a process still running after {@code limit} fails the test. */
    private static Finished finish(ProcessBuilder command, Duration limit) throws Exception {
        Process process = command.redirectErrorStream(true).start();
        java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "(output not read: " + e + ")";
            }
        });
        if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError(command.command() + " still running after " + limit);
        }
        return new Finished(process.exitValue(), output.get(30, TimeUnit.SECONDS));
    }

    /** Docker's COPY: a folder's contents, or a file, into the destination folder. */
    private static void copy(Path source, Path destination) throws java.io.IOException {
        assertTrue(Files.exists(source), source + " is not in the build");
        Files.createDirectories(destination);
        if (Files.isDirectory(source)) {
            try (var files = Files.walk(source)) {
                for (Path file : files.toList()) {
                    Path target = destination.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
        } else {
            Files.copy(source, destination.resolve(source.getFileName()));
        }
    }

    @Test
    void the_localstack_init_script_creates_what_the_app_expects() throws Exception {
        String script = Files.readString(Path.of("docker", "localstack-init.sh"));
        String properties = Files.readString(Path.of("application.properties"));
        for (String name : List.of("meter-ingest.fifo", "meter-ingest-dlq.fifo", "s3://meter-ingest")) {
            assertTrue(script.contains(name), name);
        }
        assertTrue(properties.contains("ingest.queue = meter-ingest.fifo"));
        assertTrue(properties.contains("ingest.dead-letter-queue = meter-ingest-dlq.fifo"));
        assertTrue(properties.contains("ingest.bucket = meter-ingest"));
        assertTrue(script.contains("RedrivePolicy") && script.contains("FifoQueue=true"));
    }

    /**
     * The app in compose.yaml gets /observe beyond the container's loopback: the startup check must let
     * its settings through (they carry authentication), and its demo account must open /observe while
     * a request without it is refused, on the packaged jar. The jar's host stays loopback here (tests
     * bind nothing else); the check is run on the compose host as written.
     */
    @Test
    void the_compose_app_settings_pass_the_startup_check_and_its_observe_account_opens_observe(@TempDir Path work)
            throws Exception {
        Map<String, String> compose = composeSystemProperties();
        java.util.Properties shipped = JarProcess.shippedSettings();
        assertEquals("0.0.0.0", compose.get("camel.management.host"));
        SettingsCheck.managementHost(key -> Optional.ofNullable(compose.getOrDefault(key, shipped.getProperty(key))));
        Map<String, String> withoutAuthentication = new HashMap<>(compose);
        withoutAuthentication.remove("camel.management.authentication-enabled");
        assertThrows(StartupException.class, () -> SettingsCheck.managementHost(
                key -> Optional.ofNullable(withoutAuthentication.getOrDefault(key, shipped.getProperty(key)))));

        assertEquals("/app/observe-users.properties", compose.get("camel.management.basic-properties-file"));
        Files.createDirectories(work.resolve("s3"));
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, work.resolve("s3")); var sqs = aws.sqsClient()) {
            AwsKit.createShippedQueuesAndBucket(aws, sqs, 5);
            Map<String, String> props = JarProcess.against(aws, work);
            props.put("camel.management.authentication-enabled", compose.get("camel.management.authentication-enabled"));
            // the file compose mounts at /app/observe-users.properties
            props.put("camel.management.basic-properties-file", Path.of("docker", "observe-users.properties").toAbsolutePath().toString());
            String ready = "http://127.0.0.1:" + props.get("camel.management.port") + "/observe/health/ready";
            try (JarProcess app = JarProcess.start(props)) {
                app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
                assertEquals(401, status(ready, null), "no credentials, no health");
                assertEquals(401, status(ready, "observer:wrong"));
                await().atMost(Duration.ofSeconds(30)).until(() -> status(ready, "observer:observe-locally") == 200);
                assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
            }
        }
    }

    /** The -Dkey=value settings in the app's JAVA_OPTS in compose.yaml. */
    private static Map<String, String> composeSystemProperties() throws java.io.IOException {
        Map<String, String> settings = new HashMap<>();
        Matcher setting = Pattern.compile("-D([\\w.-]+)=(\\S+)").matcher(Files.readString(Path.of("docker", "compose.yaml")));
        while (setting.find()) {
            settings.put(setting.group(1), setting.group(2));
        }
        return settings;
    }

    private static int status(String url, String credentials) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (credentials != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void the_compose_file_is_valid() throws Exception {
        boolean available;
        try {
            available = new ProcessBuilder("docker-compose", "version").start().waitFor(30, TimeUnit.SECONDS);
        } catch (java.io.IOException e) {
            available = false;
        }
        assumeTrue(available, "docker-compose is not installed (.ci/run installs Debian's package)");
        Process config = new ProcessBuilder("docker-compose", "-f", "docker/compose.yaml", "config", "-q")
                .redirectErrorStream(true).start();
        assertTrue(config.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, config.exitValue(), new String(config.getInputStream().readAllBytes()));
    }
}
