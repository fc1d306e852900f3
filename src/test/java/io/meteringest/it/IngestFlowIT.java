package io.meteringest.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.local.EmbeddedAws;
import io.meteringest.local.FreePort;
import io.meteringest.testkit.Records;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar as a process: the README's run command, the send command, SIGTERM, fail-fast errors. */
class IngestFlowIT {

    @TempDir
    Path dataDir;

    /**
     * README's run command maps the class-data-sharing archive {@code package} built (src/build/cds-archive.sh):
     * with -Xshare:on the JVM refuses to start when the archive does not fit this JDK and these jars,
     * and the class log says where the application's classes came from.
     */
    @Test
    void the_run_command_maps_the_class_data_sharing_archive_package_built() throws Exception {
        String run = Files.readAllLines(Path.of("README.md")).stream()
                .filter(l -> l.startsWith("./mvnw -q package -DskipTests && java ")).findFirst().orElseThrow();
        List<String> options = List.of(run.substring(run.indexOf("&& java ") + 8, run.indexOf(" -jar ")).split(" "));
        assertTrue(options.contains("-XX:SharedArchiveFile=target/meter-ingest.jsa"), run);
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:on", "-Xlog:class+load=info"));
        command.addAll(options);
        // a setting that stops it at once, after Camel main and the settings check have loaded
        command.addAll(List.of("-Dingest.aggregation.window=bogus", "-jar", JarProcess.JAR.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, process.waitFor(), output);
        assertTrue(output.contains("meter-ingest cannot start: ingest.aggregation.window"), output);
        List<String> loads = output.lines().filter(l -> l.contains("[class,load]")).toList();
        assertTrue(loads.stream().anyMatch(l -> l.endsWith("io.meteringest.Application source: shared objects file")), output);
        long fromJars = loads.stream().filter(l -> l.contains(" source: file:") || l.contains(" source: jar:")).count();
        assertTrue(fromJars * 20 < loads.size(), fromJars + " of " + loads.size() + " classes read from jars, not the archive");
    }

    @Test
    void runs_on_its_embedded_servers_archives_the_samples_and_exits_0_on_sigterm() throws Exception {
        int sqsPort = FreePort.find();
        Map<String, String> props = Map.of(
                "ingest.local.sqs-port", String.valueOf(sqsPort),
                "ingest.local.s3-port", String.valueOf(FreePort.find()),
                "ingest.local.data-dir", dataDir.toString(),
                "ingest.store.url", "jdbc:h2:file:" + dataDir.resolve("usage-store") + ";WRITE_DELAY=0");
        try (JarProcess app = JarProcess.start(props)) {
            app.awaitOutput("Started ingest-consume", Duration.ofSeconds(90));
            assertTrue(app.output().contains("send records to FIFO queue 'meter-ingest.fifo'"), app.output());

            try (JarProcess sender = JarProcess.start(Map.of("ingest.local.sqs-port", String.valueOf(sqsPort)),
                    "send", "samples/compute-hours-array.json", "samples/compute-hours.ndjson")) {
                assertEquals(0, sender.awaitExit(Duration.ofSeconds(60)), sender.output());
                assertTrue(sender.output().contains("sent samples/compute-hours.ndjson to meter-ingest.fifo"));
            }

            // a message is validated only after its archive PUT returned, so once both are done the files are complete
            // (reading them as soon as they appear raced S3Proxy's write on a loaded CI machine)
            app.awaitOutput("done: 3 accepted (0 duplicate), 0 rejected", Duration.ofSeconds(30));
            app.awaitOutput("done: 1 accepted (0 duplicate), 0 rejected", Duration.ofSeconds(30));
            Path raw = dataDir.resolve("s3").resolve("meter-ingest").resolve("raw");
            List<byte[]> archived = files(raw).stream().map(IngestFlowIT::read).toList();
            assertEquals(2, archived.size(), files(raw).toString());
            byte[] array = Records.sampleArrayBytes();
            byte[] ndjson = Records.sampleNdjsonBytes();
            assertTrue(archived.stream().anyMatch(b -> java.util.Arrays.equals(b, array)), files(raw).toString());
            assertTrue(archived.stream().anyMatch(b -> java.util.Arrays.equals(b, ndjson)), files(raw).toString());
            assertFalse(Files.exists(dataDir.resolve("s3").resolve("meter-ingest").resolve("failed-requests")));

            assertEquals(0, app.terminate(Duration.ofSeconds(60)), app.output());
            assertTrue(app.output().contains("meter-ingest) shutdown"), app.output());
            assertNoSecrets(app.output());
            // the shutdown flush wrote the samples' four usage rows
            List<Path> usage = files(dataDir.resolve("s3").resolve("meter-ingest").resolve("usage"));
            assertEquals(2, usage.size(), usage.toString());
            Path ndjsonRows = usage.stream().filter(p -> p.toString().endsWith(".ndjson")).findFirst().orElseThrow();
            assertEquals(4, Files.readAllLines(ndjsonRows).size());
        }
    }

    @Test
    void fails_fast_with_one_line_when_the_queue_does_not_exist() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            aws.createBucket("meter-ingest");
            String output = runAgainst(aws, Map.of());
            assertOneLineError(output, "ingest.queue: queue 'meter-ingest.fifo' does not exist");
        }
    }

    @Test
    void fails_fast_with_one_line_when_the_bucket_does_not_exist() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            aws.createQueues("meter-ingest.fifo", "meter-ingest-dlq.fifo", 5);
            String output = runAgainst(aws, Map.of());
            assertOneLineError(output, "ingest.bucket: bucket 'meter-ingest' does not exist");
        }
    }

    @Test
    void a_bad_setting_is_one_line_naming_the_key() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            assertOneLineError(runAgainst(aws, Map.of("ingest.bucket", " ")),
                    "ingest.bucket: is not set; set it in application.properties or at launch (-Dingest.bucket=...)");
            assertOneLineError(runAgainst(aws, Map.of("ingest.max-future", "soon")),
                    "ingest.max-future: 'soon' is not an ISO-8601 duration");
            assertOneLineError(runAgainst(aws, Map.of("ingest.queue", "plain-queue")),
                    "ingest.queue: 'plain-queue' is not a FIFO queue name");
            assertOneLineError(runAgainst(aws, Map.of("camel.component.aws2-sqs.visibility-timeout", "thirty")),
                    "camel.component.aws2-sqs.visibilityTimeout: cannot be set to 'thirty'");
            assertOneLineError(runAgainst(aws, Map.of("camel.management.host", "0.0.0.0")),
                    "camel.management.host: '0.0.0.0' is not loopback; /observe there needs"
                            + " camel.management.authentication-enabled=true");
        }
    }

    @Test
    void a_bad_setting_stops_the_embedded_default_before_any_server_starts() throws Exception {
        Map<String, String> props = Map.of(
                "ingest.local.sqs-port", String.valueOf(FreePort.find()),
                "ingest.local.s3-port", String.valueOf(FreePort.find()),
                "ingest.local.data-dir", dataDir.toString(),
                "ingest.dead-letter-queue", "dlq");
        try (JarProcess app = JarProcess.start(props)) {
            assertEquals(1, app.awaitExit(Duration.ofSeconds(90)), app.output());
            assertOneLineError(app.output(), "ingest.dead-letter-queue: 'dlq' is not a FIFO queue name");
            assertFalse(app.output().contains("Embedded SQS"), app.output());
        }
    }

    @Test
    void started_without_route_files_it_says_so_instead_of_running_idle() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            assertOneLineError(runAgainst(aws, Map.of("camel.main.routes-include-pattern", "file:nowhere/*.camel.yaml")),
                    "no routes loaded: 'nowhere' does not exist");
            Path empty = Files.createDirectories(dataDir.resolve("empty-routes"));
            assertOneLineError(runAgainst(aws, Map.of("camel.main.routes-include-pattern", "file:" + empty + "/*.camel.yaml")),
                    "no routes loaded from 'file:" + empty + "/*.camel.yaml'");
        }
    }

    @Test
    void a_store_that_refuses_the_login_is_one_line() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            Path store = dataDir.resolve("locked-store");
            // a store created with another password
            try (var connection = java.sql.DriverManager.getConnection("jdbc:h2:file:" + store, "meter", "right")) {
                connection.isValid(1);
            }
            assertOneLineError(runAgainst(aws, Map.of("ingest.store.url", "jdbc:h2:file:" + store)),
                    "ingest.store.url: cannot connect to 'jdbc:h2:file:" + store + "' (Wrong user name or password");
        }
    }

    @Test
    void a_rocksdb_store_beside_an_earlier_h2_store_is_one_line_and_leaves_it_alone() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            Path store = dataDir.resolve("upgraded-store");
            try (var connection = java.sql.DriverManager.getConnection("jdbc:h2:file:" + store)) {
                connection.isValid(1);
            }
            assertOneLineError(runAgainst(aws, Map.of("ingest.store.url", "rocksdb:" + store)),
                    "ingest.store.url: an H2 usage store exists at '" + store + ".mv.db'");
            assertTrue(java.nio.file.Files.exists(Path.of(store + ".mv.db")));
            assertFalse(java.nio.file.Files.exists(store), "no RocksDB folder was created beside it");
        }
    }

    @Test
    void an_unreachable_endpoint_is_one_line() throws Exception {
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, dataDir.resolve("s3"))) {
            Map<String, String> dead = Map.of("camel.component.aws2-sqs.uri-endpoint-override",
                    "http://127.0.0.1:" + FreePort.find());
            assertOneLineError(runAgainst(aws, dead), "SQS is unreachable");
        }
    }

    /**
     * Runs the jar with ingest.embedded=false, the aws2 components pointed at {@code aws}, until it
     * exits; whatever happens, neither the AWS secret key nor the store password is in its log.
     */
    private String runAgainst(EmbeddedAws aws, Map<String, String> extra) throws Exception {
        Map<String, String> props = new HashMap<>(aws.camelProperties());
        props.put("ingest.embedded", "false");
        props.put("ingest.store.url", "jdbc:h2:file:" + dataDir.resolve("store-" + UUID.randomUUID()) + ";WRITE_DELAY=0");
        props.put("ingest.store.user", "meter");
        props.put("ingest.store.password", "store-pass-" + SECRET_MARK);
        props.putAll(extra);
        try (JarProcess app = JarProcess.start(props)) {
            assertEquals(1, app.awaitExit(Duration.ofSeconds(90)), app.output());
            assertNoSecrets(app.output());
            return app.output();
        }
    }

    private static final String SECRET_MARK = "zq7Xk2";

    private static void assertNoSecrets(String output) {
        assertFalse(output.contains(EmbeddedAws.SECRET_KEY), "AWS secret key in the log:\n" + output);
        assertFalse(output.contains(SECRET_MARK), "store password in the log:\n" + output);
    }

    private static void assertOneLineError(String output, String expected) {
        JarProcess.assertOneLineError(output, expected);
    }

    private static List<Path> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList();
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
