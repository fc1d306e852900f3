package io.meteringest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of docker/ without a Docker engine: the Dockerfile copies files the build
 * makes and runs as non-root on a JRE; the compose file is valid (Debian's docker-compose, offline);
 * the LocalStack init script creates the queue, dead-letter queue and bucket the app expects.
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
