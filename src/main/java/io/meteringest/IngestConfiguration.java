package io.meteringest;

import io.meteringest.ingest.BatchDelete;
import io.meteringest.ingest.ExtendedPayloads;
import io.meteringest.ingest.FailureReportWriter;
import io.meteringest.ingest.FifoGroupGuard;
import io.meteringest.ingest.MessageValidator;
import io.meteringest.ingest.PollGate;
import io.meteringest.ingest.PollOutcomes;
import io.meteringest.ingest.S3Keys;
import io.meteringest.ingest.SourceMessageIdDeduplication;
import io.meteringest.ops.AwsProbe;
import io.meteringest.ops.Operations;
import io.meteringest.record.MeterRecordCodec;
import io.meteringest.record.RecordJson;
import io.meteringest.record.RecordValidator;
import io.meteringest.usage.RecordKeys;
import io.meteringest.usage.RocksUsageStore;
import io.meteringest.usage.SqlUsageStore;
import io.meteringest.usage.UsageAccounting;
import io.meteringest.usage.UsageFormat;
import io.meteringest.usage.UsageStore;
import io.meteringest.usage.Windows;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import javax.sql.DataSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.aws2.sqs.Sqs2Component;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The one configuration class: reads and checks the {@code ingest.*} settings (a bad one stops
 * startup with a line naming the key) and binds the beans the routes call, by lowerCamelCase name.
 */
public final class IngestConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        checkSettings(pc);
        Duration maxFuture = duration(pc, "ingest.max-future");

        Clock clock = Clock.systemUTC();
        Windows windows = Windows.of("ingest.aggregation.window", duration(pc, "ingest.aggregation.window"),
                "ingest.aggregation.grace", duration(pc, "ingest.aggregation.grace"));
        RecordKeys keys = new RecordKeys(RecordKeys.mode(required(pc, "ingest.dedup.mode")));
        UsageStore store = store(context, pc, keys, windows, clock);
        try {
            store.createSchema();
        } catch (Exception e) {
            throw new StartupException("ingest.store.url: cannot use the usage store at '" + required(pc, "ingest.store.url")
                    + "' (" + rootMessage(e) + "); check the URL, that the database runs, and ingest.store.user/password");
        }
        // one mapper reads records and writes reports and payload pointers, so numbers round-trip
        RecordJson json = new RecordJson();
        Registry registry = context.getRegistry();
        MeterRecordCodec codec = new MeterRecordCodec(json);
        registry.bind("messageValidator", new MessageValidator(codec, new RecordValidator(clock, maxFuture)));
        registry.bind("failureReportWriter", new FailureReportWriter(json.mapper(), clock));
        registry.bind("s3Keys", new S3Keys());
        registry.bind("batchDelete", new BatchDelete(context, required(pc, "ingest.queue")));
        registry.bind("extendedPayloads", new ExtendedPayloads(context, json.mapper()));
        FifoGroupGuard guard = new FifoGroupGuard(clock);
        registry.bind("fifoGroupGuard", guard);
        registry.bind("pollGate", new PollGate(context, guard));
        registry.bind("pollOutcomes", new PollOutcomes());
        registry.bind("usageStore", store);
        registry.bind("usageAccounting", new UsageAccounting(store));
        registry.bind("usageFormat", new UsageFormat());
        registry.bind("awsProbe", new AwsProbe(context, store, required(pc, "ingest.queue"),
                required(pc, "ingest.dead-letter-queue"), required(pc, "ingest.bucket")));
        Operations operations = new Operations(context, required(pc, "ingest.queue"),
                required(pc, "ingest.dead-letter-queue"), required(pc, "ingest.bucket"));
        registry.bind("operations", operations);
        addService(context, operations.asService());

        // dead letters keep the source message id as FIFO dedup id (contract); the aws2-sqs URI option
        // only names Camel's built-in strategies, so the strategy is set on the component
        context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration()
                .setMessageDeduplicationIdStrategy(new SourceMessageIdDeduplication());
    }

    /** Checks every ingest.* setting up front, so no server or client starts on a bad one. */
    public static void checkSettings(PropertiesComponent pc) {
        fifoQueue(pc, "ingest.queue");
        fifoQueue(pc, "ingest.dead-letter-queue");
        required(pc, "ingest.bucket");
        duration(pc, "ingest.max-future");
        Windows.of("ingest.aggregation.window", duration(pc, "ingest.aggregation.window"),
                "ingest.aggregation.grace", duration(pc, "ingest.aggregation.grace"));
        RecordKeys.mode(required(pc, "ingest.dedup.mode"));
        duration(pc, "ingest.dedup.retention");
        required(pc, "ingest.store.url");
        managementHost(pc::resolveProperty);
    }

    /**
     * /observe (health, metrics) binds loopback unless Camel's management server authentication is on:
     * beyond this host it must not be open to anyone who can reach the port. Public for the check of
     * docker/compose.yaml's settings.
     */
    public static void managementHost(java.util.function.Function<String, java.util.Optional<String>> settings) {
        if (!flag(settings, "camel.management.enabled")) {
            return;
        }
        // Camel's own default host is 0.0.0.0
        String host = settings.apply("camel.management.host").map(String::trim).filter(h -> !h.isEmpty()).orElse("0.0.0.0");
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new StartupException("camel.management.host: cannot resolve '" + host + "'");
        }
        if (!loopback && !flag(settings, "camel.management.authentication-enabled", "camel.management.authenticationEnabled")) {
            throw new StartupException("camel.management.host: '" + host + "' is not loopback; /observe there needs"
                    + " camel.management.authentication-enabled=true and camel.management.basic-properties-file"
                    + " (refusing to start unprotected)");
        }
    }

    /** True when any of these spellings of one key is set to true. */
    private static boolean flag(java.util.function.Function<String, java.util.Optional<String>> settings, String... keys) {
        return java.util.Arrays.stream(keys).map(settings).flatMap(java.util.Optional::stream)
                .findFirst().map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
    }

    /** {@code rocksdb:<folder>}: the single-instance store; {@code jdbc:...}: H2 or PostgreSQL. */
    private static UsageStore store(CamelContext context, PropertiesComponent pc, RecordKeys keys, Windows windows, Clock clock) {
        String url = required(pc, "ingest.store.url");
        Duration retention = duration(pc, "ingest.dedup.retention");
        if (url.startsWith("rocksdb:")) {
            java.nio.file.Path folder = java.nio.file.Path.of(url.substring("rocksdb:".length()));
            // the state of an earlier H2 store would be silently left behind: counted again, open windows lost
            if (java.nio.file.Files.exists(java.nio.file.Path.of(folder + ".mv.db"))) {
                throw new StartupException("ingest.store.url: an H2 usage store exists at '" + folder + ".mv.db'; keep"
                        + " using it with ingest.store.url=jdbc:h2:file:" + folder + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE,"
                        + " or move it away to start RocksDB fresh once its open windows are flushed");
            }
            RocksUsageStore rocks = new RocksUsageStore(folder, keys, windows, retention, clock);
            addService(context, new ServiceSupport() {
                @Override
                protected void doStop() {
                    rocks.close();
                }
            });
            return rocks;
        }
        if (!url.startsWith("jdbc:")) {
            throw new StartupException("ingest.store.url: '" + url + "' is neither rocksdb:<folder> nor a jdbc: URL");
        }
        return new SqlUsageStore(dataSource(context, pc), keys, windows, retention, clock);
    }

    /** A pooled connection to ingest.store.url, closed when Camel stops; one line if it cannot connect. */
    private static DataSource dataSource(CamelContext context, PropertiesComponent pc) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(required(pc, "ingest.store.url"));
        pc.resolveProperty("ingest.store.user").filter(u -> !u.isBlank()).ifPresent(config::setUsername);
        pc.resolveProperty("ingest.store.password").filter(p -> !p.isBlank()).ifPresent(config::setPassword);
        // one plain connection first: a wrong URL, user or password fails now, in one line
        DriverManager.setLoginTimeout(10);
        try (Connection probe = DriverManager.getConnection(config.getJdbcUrl(), config.getUsername(), config.getPassword())) {
            probe.isValid(5);
        } catch (SQLException e) {
            throw new StartupException("ingest.store.url: cannot connect to '" + config.getJdbcUrl() + "' ("
                    + rootMessage(e) + "); check the URL, that the database runs, and ingest.store.user/password");
        }
        config.setConnectionTimeout(10_000);
        config.setMaximumPoolSize(Integer.parseInt(pc.resolveProperty("ingest.store.pool-size").orElse("4").trim()));
        config.setPoolName("usage-store");
        // fail at startup with our one line, not Hikari's stack trace
        config.setInitializationFailTimeout(-1);
        HikariDataSource dataSource = new HikariDataSource(config);
        addService(context, new ServiceSupport() {
            @Override
            protected void doStop() {
                dataSource.close();
            }
        });
        return dataSource;
    }

    private static void addService(CamelContext context, org.apache.camel.Service service) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    static String required(PropertiesComponent pc, String key) {
        String value = pc.resolveProperty(key).map(String::trim).orElse("");
        if (value.isEmpty()) {
            throw new StartupException(key + ": is not set; set it in application.properties or at launch (-D" + key + "=...)");
        }
        return value;
    }

    static String fifoQueue(PropertiesComponent pc, String key) {
        String value = required(pc, key);
        if (!value.endsWith(".fifo")) {
            throw new StartupException(key + ": '" + value + "' is not a FIFO queue name (must end in .fifo)");
        }
        return value;
    }

    static Duration duration(PropertiesComponent pc, String key) {
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
}
