package io.meteringest;

import io.meteringest.usage.RecordKeys;
import io.meteringest.usage.Windows;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Checks every {@code ingest.*} setting once, before Camel configures anything (the first main
 * listener, ahead of the embedded servers and {@link IngestConfiguration}'s wiring): a bad one stops
 * startup with one line naming the key. Its readers ({@link #required}, {@link #duration}, ...) are
 * how the wiring reads the same settings, so both give the same message.
 */
public final class SettingsCheck extends MainListenerSupport {

    /** remote JMX's settings as checked, for {@code ops.JmxRemote}: its rules run once, here */
    private volatile Jmx jmx;

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        jmx = check(main.getCamelContext().getPropertiesComponent());
    }

    /** Remote JMX's settings as {@link #beforeConfigure} checked them; null when it is off. */
    public Jmx checkedJmx() {
        return jmx;
    }

    /** Every rule, so no server or client starts on a bad setting; returns remote JMX's settings (null: off). */
    public static Jmx check(PropertiesComponent pc) {
        fifoQueue(pc, "ingest.queue");
        fifoQueue(pc, "ingest.dead-letter-queue");
        required(pc, "ingest.bucket");
        duration(pc, "ingest.max-future");
        Windows.of("ingest.aggregation.window", duration(pc, "ingest.aggregation.window"),
                "ingest.aggregation.grace", duration(pc, "ingest.aggregation.grace"));
        RecordKeys.mode(required(pc, "ingest.dedup.mode"));
        duration(pc, "ingest.dedup.retention");
        storeUrl(pc);
        wholeNumber(pc, "ingest.store.pool-size", 4);
        wholeNumber(pc, "ingest.local.sqs-port", 9324);
        wholeNumber(pc, "ingest.local.s3-port", 9000);
        wholeNumber(pc, "ingest.local.max-receive-count", 5);
        flag(pc, "ingest.embedded");
        // the routes' timers and the archive's retries, read by Camel where a bad value is a stack trace
        milliseconds(pc, "ingest.probe-interval");
        milliseconds(pc, "ingest.aggregation.flush-interval");
        positive(pc, "ingest.aggregation.max-flush-rows");
        milliseconds(pc, "ingest.dedup.prune-interval");
        milliseconds(pc, "ingest.archive.retry-delay");
        count(pc, "ingest.archive.retries");
        managementHost(pc::resolveProperty);
        return jmx(pc);
    }

    /** {@code ingest.store.url}: {@code rocksdb:<folder>} or a {@code jdbc:} URL. */
    public static String storeUrl(PropertiesComponent pc) {
        String url = required(pc, "ingest.store.url");
        if (!url.startsWith("rocksdb:") && !url.startsWith("jdbc:")) {
            throw new StartupException("ingest.store.url: '" + url + "' is neither rocksdb:<folder> nor a jdbc: URL");
        }
        return url;
    }

    /** Remote JMX's settings ({@code ingest.jmx.*}), or null when it is off (no port, or 0). */
    public static Jmx jmx(PropertiesComponent pc) {
        String port = pc.resolveProperty("ingest.jmx.port").map(String::trim).orElse("");
        if (port.isEmpty() || port.equals("0")) {
            return null;
        }
        int number = wholeNumber(pc, "ingest.jmx.port", 0);
        String host = pc.resolveProperty("ingest.jmx.host").map(String::trim).filter(h -> !h.isEmpty()).orElse("127.0.0.1");
        String passwordFile = pc.resolveProperty("ingest.jmx.password-file").map(String::trim).orElse("");
        String accessFile = pc.resolveProperty("ingest.jmx.access-file").map(String::trim).orElse("");
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new StartupException("ingest.jmx.host: cannot resolve '" + host + "'");
        }
        boolean secured = !passwordFile.isEmpty() && !accessFile.isEmpty();
        if (!address.isLoopbackAddress() && !secured) {
            throw new StartupException("ingest.jmx.host: '" + host + "' is not loopback; remote JMX there needs"
                    + " ingest.jmx.password-file and ingest.jmx.access-file (refusing to start unprotected)");
        }
        if (secured) {
            readable("ingest.jmx.password-file", passwordFile);
            readable("ingest.jmx.access-file", accessFile);
        }
        return new Jmx(number, host, address, secured ? passwordFile : null, secured ? accessFile : null);
    }

    /** Remote JMX on {@code host:port}; the two files are null unless both are set (loopback only then). */
    public record Jmx(int port, String host, InetAddress address, String passwordFile, String accessFile) {
        public boolean secured() {
            return passwordFile != null;
        }
    }

    public static String required(PropertiesComponent pc, String key) {
        String value = pc.resolveProperty(key).map(String::trim).orElse("");
        if (value.isEmpty()) {
            throw new StartupException(key + ": is not set; set it in application.properties or at launch (-D" + key + "=...)");
        }
        return value;
    }

    public static String fifoQueue(PropertiesComponent pc, String key) {
        String value = required(pc, key);
        if (!value.endsWith(".fifo")) {
            throw new StartupException(key + ": '" + value + "' is not a FIFO queue name (must end in .fifo)");
        }
        return value;
    }

    public static Duration duration(PropertiesComponent pc, String key) {
        String value = required(pc, key);
        try {
            Duration duration = Duration.parse(value);
            if (duration.isNegative()) {
                throw new StartupException(key + ": must not be negative, was '" + value + "'");
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw new StartupException(key + ": '" + value + "' is not an ISO-8601 duration such as PT1H or PT30S");
        }
    }

    /** A whole number, {@code fallback} when the key is absent. */
    public static int wholeNumber(PropertiesComponent pc, String key, int fallback) {
        String value = pc.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty()).orElse(String.valueOf(fallback));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StartupException(key + ": must be a whole number, was '" + value + "'");
        }
    }

    /** A period in milliseconds, more than 0. */
    public static long milliseconds(PropertiesComponent pc, String key) {
        return aboveZero(pc, key, Long.MAX_VALUE, "a number of milliseconds above 0");
    }

    /** A count, 0 or more. */
    public static int count(PropertiesComponent pc, String key) {
        int value = wholeNumber(pc, key, 0);
        if (value < 0) {
            throw new StartupException(key + ": must not be negative, was " + value);
        }
        return value;
    }

    /** A whole number above 0 (required). */
    public static int positive(PropertiesComponent pc, String key) {
        return (int) aboveZero(pc, key, Integer.MAX_VALUE, "a whole number above 0");
    }

    private static long aboveZero(PropertiesComponent pc, String key, long max, String what) {
        String value = required(pc, key);
        try {
            long number = Long.parseLong(value);
            if (number > 0 && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new StartupException(key + ": must be " + what + ", was '" + value + "'");
    }

    /** true or false; absent is false. */
    public static boolean flag(PropertiesComponent pc, String key) {
        String value = pc.resolveProperty(key).map(String::trim).orElse("false");
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new StartupException(key + ": must be true or false, was '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    private static void readable(String key, String file) {
        if (!Files.isReadable(Path.of(file))) {
            throw new StartupException(key + ": cannot read '" + file + "'");
        }
    }

    /**
     * /observe (health, metrics) binds loopback unless Camel's management server authentication is on:
     * beyond this host it must not be open to anyone who can reach the port. Public for the check of
     * docker/compose.yaml's settings.
     */
    public static void managementHost(Function<String, Optional<String>> settings) {
        if (!flag(settings, "camel.management.enabled")) {
            return;
        }
        // Camel's own default host is 0.0.0.0
        String host = settings.apply("camel.management.host").map(String::trim).filter(h -> !h.isEmpty()).orElse("0.0.0.0");
        boolean loopback;
        try {
            loopback = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new StartupException("camel.management.host: cannot resolve '" + host + "'");
        }
        if (!loopback && !flag(settings, "camel.management.authentication-enabled", "camel.management.authenticationEnabled")) {
            throw new StartupException("camel.management.host: '" + host + "' is not loopback; /observe there needs"
                    + " camel.management.authentication-enabled=true and camel.management.basic-properties-file"
                    + " (refusing to start unprotected)");
        }
    }

    /** True when any of these spellings of one key is set to true. */
    private static boolean flag(Function<String, Optional<String>> settings, String... keys) {
        return Arrays.stream(keys).map(settings).flatMap(Optional::stream)
                .findFirst().map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
    }
}
