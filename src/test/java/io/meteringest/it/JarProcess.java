package io.meteringest.it;

import static org.awaitility.Awaitility.await;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.ops.AwsCallRecorder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The packaged {@code target/meter-ingest.jar} run as a separate process, the way README runs it. */
final class JarProcess implements AutoCloseable {

    static final Path JAR = Path.of("target", "meter-ingest.jar");

    private final Process process;
    private final Path log;
    /** AWS calls the process made (AwsCallRecorder), checked against docker/iam-policy.json on close; null: not checked */
    private final Path awsCalls;
    /** values that must never show in the log: checked on close, for every run of every IT */
    private final List<String> secrets;

    private JarProcess(Process process, Path log, Path awsCalls, List<String> secrets) {
        this.process = process;
        this.log = log;
        this.awsCalls = awsCalls;
        this.secrets = secrets;
    }

    /**
     * Settings that run the jar against servers the test owns (not its embedded ones): their
     * endpoints and credentials, a free management port, an H2 store under {@code folder}, 1 s
     * receives. A mutable map, for the test's own additions.
     */
    static Map<String, String> against(EmbeddedAws aws, Path folder) throws IOException {
        Map<String, String> props = new HashMap<>(aws.camelProperties());
        props.put("ingest.embedded", "false");
        props.put("camel.management.port", String.valueOf(FreePort.find()));
        props.put("ingest.store.url", "jdbc:h2:file:" + folder.resolve("store").toAbsolutePath() + ";WRITE_DELAY=0");
        props.put("camel.component.aws2-sqs.wait-time-seconds", "1");
        return props;
    }

    /** The shipped application.properties, as the jar reads it from the project folder. */
    static java.util.Properties shippedSettings() throws IOException {
        java.util.Properties shipped = new java.util.Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            shipped.load(in);
        }
        return shipped;
    }

    /** Copies application.properties and routes/ into {@code folder}, to run the jar there ({@link #startIn}). */
    static void copyProject(Path folder) throws IOException {
        Files.copy(Path.of("application.properties"), folder.resolve("application.properties"));
        Files.createDirectories(folder.resolve("routes"));
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path route : routes.toList()) {
                Files.copy(route, folder.resolve("routes").resolve(route.getFileName()));
            }
        }
    }

    /** {@code java -Dk=v... -jar target/meter-ingest.jar args...} in the project folder. */
    static JarProcess start(Map<String, String> systemProperties, String... args) throws IOException {
        return startIn(Path.of("."), systemProperties, args);
    }

    /** The same, with {@code folder} as working folder (its own application.properties and routes/). */
    static JarProcess startIn(Path folder, Map<String, String> systemProperties, String... args) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the integration tests with 'mvn verify'");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        // the app against AWS (not the embedded servers it sets up itself), and the operations commands
        boolean production = "false".equals(systemProperties.get("ingest.embedded"))
                || args.length > 0 && !args[0].equals("send");
        Path awsCalls = production ? Files.createTempFile("meter-ingest-aws-calls-", ".txt") : null;
        if (awsCalls != null) {
            command.add("-D" + AwsCallRecorder.SETTING + "=" + awsCalls);
        }
        command.add("-jar");
        command.add(JAR.toAbsolutePath().toString());
        command.addAll(List.of(args));
        Path log = Files.createTempFile("meter-ingest-", ".log");
        Process process = new ProcessBuilder(command).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new JarProcess(process, log, awsCalls, secrets(systemProperties));
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** How often {@code needle} occurs in the log so far (e.g. " done: ", once per message done). */
    int occurrences(String needle) {
        return occurrences(output(), needle);
    }

    static int occurrences(String text, String needle) {
        return text.split(java.util.regex.Pattern.quote(needle), -1).length - 1;
    }

    void awaitOutput(String text, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                .failFast("process exited:\n" + output(), () -> !process.isAlive() && !output().contains(text))
                .until(() -> output().contains(text));
    }

    /** Waits for the process to end by itself and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("process did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    /** SIGTERM, as an orchestrator stops it, and the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return awaitExit(timeout);
    }

    /** The process said exactly one ERROR line, "meter-ingest cannot start: " + expected, and no stack trace. */
    static void assertOneLineError(String output, String expected) {
        List<String> errors = output.lines().filter(l -> l.contains(" ERROR ")).toList();
        org.junit.jupiter.api.Assertions.assertEquals(1, errors.size(), output);
        org.junit.jupiter.api.Assertions.assertTrue(errors.get(0).contains("meter-ingest cannot start: " + expected), output);
        org.junit.jupiter.api.Assertions.assertFalse(output.lines().anyMatch(l -> l.startsWith("\tat ")),
                "no stack trace expected:\n" + output);
    }

    /**
     * The secrets given to the process (AWS secret keys, passwords) and the marks of a signed request
     * (an Authorization header, a session token) that a log must not show.
     */
    private static List<String> secrets(Map<String, String> systemProperties) {
        List<String> secrets = new ArrayList<>(List.of(io.meteringest.local.EmbeddedAws.SECRET_KEY,
                "AWS4-HMAC-SHA256", "Authorization:", "X-Amz-Security-Token"));
        systemProperties.forEach((key, value) -> {
            // a test password that is also the user or database name shows legitimately in a JDBC URL
            boolean alsoElsewhere = systemProperties.entrySet().stream()
                    .anyMatch(e -> !e.getKey().equals(key) && e.getValue().contains(value));
            // (and a throwaway like LocalStack's "test" is not a secret a log could be checked for)
            if ((key.endsWith("secret-key") || key.endsWith("password")) && value.length() >= 8 && !alsoElsewhere) {
                secrets.add(value);
            }
        });
        return secrets;
    }

    /**
     * Ends the process, then fails if its log shows a secret, or if it made an AWS call that
     * docker/iam-policy.json does not allow.
     */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String output = output();
        for (String secret : secrets) {
            org.junit.jupiter.api.Assertions.assertFalse(output.toLowerCase(java.util.Locale.ROOT)
                    .contains(secret.toLowerCase(java.util.Locale.ROOT)), "a secret (" + secret.charAt(0)
                    + "...) in the log of " + log);
        }
        if (awsCalls != null) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
                java.util.Set<String> missing = IamPolicy.missing(Files.readAllLines(awsCalls));
                org.junit.jupiter.api.Assertions.assertEquals(java.util.Set.of(), missing,
                        "AWS calls the app made that docker/iam-policy.json does not allow");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The AWS calls recorded so far (empty when not recorded). */
    List<String> awsCalls() throws IOException {
        return awsCalls == null ? List.of() : Files.readAllLines(awsCalls);
    }
}
