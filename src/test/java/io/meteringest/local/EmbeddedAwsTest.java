package io.meteringest.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The embedded servers on the folder a setting names, as written: the Docker image's archive build names "./cds-training/data". */
class EmbeddedAwsTest {

    @Test
    void a_data_folder_given_with_dot_segments_holds_buckets_and_objects_as_files() throws Exception {
        String name = "embedded-aws-" + UUID.randomUUID();
        Path relative = Path.of("./target/../target", name, "s3");
        try (EmbeddedAws aws = EmbeddedAws.start(0, 0, relative); S3Client s3 = aws.s3Client()) {
            aws.createBucket("meter-ingest");
            s3.putObject(b -> b.bucket("meter-ingest").key("raw/k"), RequestBody.fromString("body"));
            assertEquals("body", s3.getObjectAsBytes(b -> b.bucket("meter-ingest").key("raw/k")).asUtf8String());
            assertEquals(Path.of("target", name, "s3").toAbsolutePath(), aws.s3Dir());
            assertTrue(Files.isRegularFile(aws.s3Dir().resolve("meter-ingest").resolve("raw").resolve("k")), "the object is a plain file");
        } finally {
            try (var files = Files.walk(Path.of("target", name))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
