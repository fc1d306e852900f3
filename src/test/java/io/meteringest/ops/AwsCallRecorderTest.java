package io.meteringest.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meteringest.StartupException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The diagnostic setting's mistakes (the recording itself is checked on the packaged jar by every
 * *IT's IAM policy check). Recording is never switched on here: it is the whole test JVM's.
 */
class AwsCallRecorderTest {

    @Test
    void a_file_it_cannot_write_is_one_line_naming_the_setting() throws Exception {
        Path folder = Files.createTempDirectory("aws-calls-");
        StartupException e = assertThrows(StartupException.class, () -> AwsCallRecorder.recordTo(folder.toString()));
        assertTrue(e.getMessage().startsWith("ingest.diagnostics.aws-calls-file: cannot write '" + folder + "' ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("); point it at a writable file or leave it empty"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
