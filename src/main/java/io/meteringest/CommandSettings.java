package io.meteringest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Settings for the jar's subcommands, read as the process reads them: application.properties in the
 * working folder, then environment variables (INGEST_JMX_PORT) and -D system properties on top.
 */
public final class CommandSettings {

    private final Properties properties = new Properties();

    public CommandSettings() throws IOException {
        Path file = Path.of("application.properties");
        if (Files.exists(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
        }
    }

    public String get(String key, String fallback) {
        String value = System.getProperty(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        if (value == null) {
            value = properties.getProperty(key);
        }
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
