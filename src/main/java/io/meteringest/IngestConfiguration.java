package io.meteringest;

import static io.meteringest.SettingsCheck.duration;
import static io.meteringest.SettingsCheck.required;
import static io.meteringest.SettingsCheck.wholeNumber;

import io.meteringest.ingest.BatchDelete;
import io.meteringest.ingest.ExtendedPayloads;
import io.meteringest.ingest.FailureReportWriter;
import io.meteringest.ingest.FifoGroupGuard;
import io.meteringest.ingest.MessageValidator;
import io.meteringest.ingest.PollGate;
import io.meteringest.ingest.PollOutcomes;
import io.meteringest.ingest.S3Keys;
import io.meteringest.ingest.SourceMessageIdDeduplication;
import io.meteringest.ops.AwsCallRecorder;
import io.meteringest.ops.AwsProbe;
import io.meteringest.ops.IngestMeters;
import io.meteringest.ops.Operations;
import io.meteringest.record.RecordSplitter;
import io.meteringest.record.RecordJson;
import io.meteringest.record.RecordValidator;
import io.meteringest.usage.RecordKeys;
import io.meteringest.usage.RocksUsageStore;
import io.meteringest.usage.PostgresUsageStore;
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
import javax.sql.DataSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.aws2.sqs.Sqs2Component;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The one configuration class: binds the beans the routes call, by lowerCamelCase name, from the
 * {@code ingest.*} settings ({@link SettingsCheck} has checked them already and reads them here).
 */
public final class IngestConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        // before the first client is built, so every AWS call is in the file
        AwsCallRecorder.recordTo(pc.resolveProperty(AwsCallRecorder.SETTING).orElse(""));
        Duration maxFuture = duration(pc, "ingest.max-future");

        Clock clock = Clock.systemUTC();
        Windows windows = Windows.of("ingest.aggregation.window", duration(pc, "ingest.aggregation.window"),
                "ingest.aggregation.grace", duration(pc, "ingest.aggregation.grace"));
        RecordKeys keys = new RecordKeys(RecordKeys.mode(required(pc, "ingest.dedup.mode")));
        UsageStore store = store(context, pc, keys, windows, clock);
        try {
            store.createSchema();
        } catch (StartupException e) {
            throw e;
        } catch (Exception e) {
            throw new StartupException("ingest.store.url: cannot use the usage store at '" + required(pc, "ingest.store.url")
                    + "' (" + ErrorText.rootFirstLine(e) + "); check the URL, that the database runs, and ingest.store.user/password");
        }
        // one mapper reads records and writes reports and payload pointers, so numbers round-trip
        RecordJson json = new RecordJson();
        Registry registry = context.getRegistry();
        RecordSplitter splitter = new RecordSplitter(json);
        registry.bind("messageValidator", new MessageValidator(splitter, new RecordValidator(clock, maxFuture)));
        registry.bind("failureReportWriter", new FailureReportWriter(json.mapper(), clock));
        registry.bind("s3Keys", new S3Keys());
        registry.bind("batchDelete", new BatchDelete(context, required(pc, "ingest.queue")));
        registry.bind("extendedPayloads", new ExtendedPayloads(context, json.mapper()));
        FifoGroupGuard guard = new FifoGroupGuard(clock);
        registry.bind("fifoGroupGuard", guard);
        registry.bind("pollGate", new PollGate(context, guard));
        registry.bind("pollOutcomes", new PollOutcomes());
        registry.bind("usageStore", store);
        UsageAccounting accounting = new UsageAccounting();
        registry.bind("usageAccounting", accounting);
        registry.bind("usageFormat", new UsageFormat());
        registry.bind("awsProbe", new AwsProbe(context, store, required(pc, "ingest.queue"),
                required(pc, "ingest.dead-letter-queue"), required(pc, "ingest.bucket")));
        Operations operations = new Operations(context, required(pc, "ingest.queue"),
                required(pc, "ingest.dead-letter-queue"), required(pc, "ingest.bucket"));
        registry.bind("operations", operations);
        addService(context, operations.asService());
        addService(context, new IngestMeters(context, guard, accounting));

        // dead letters keep the source message id as FIFO dedup id (contract); the aws2-sqs URI option
        // only names Camel's built-in strategies, so the strategy is set on the component
        context.getComponent("aws2-sqs", Sqs2Component.class).getConfiguration()
                .setMessageDeduplicationIdStrategy(new SourceMessageIdDeduplication());
    }

    /** {@code rocksdb:<folder>}: the single-instance store; {@code jdbc:postgresql:...}: shared; other {@code jdbc:...}: H2. */
    private static UsageStore store(CamelContext context, PropertiesComponent pc, RecordKeys keys, Windows windows, Clock clock) {
        String url = SettingsCheck.storeUrl(pc);
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
        return url.startsWith("jdbc:postgresql:")
                ? new PostgresUsageStore(dataSource(context, pc), keys, windows, retention, clock)
                : new SqlUsageStore(dataSource(context, pc), keys, windows, retention, clock);
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
                    + ErrorText.rootFirstLine(e) + "); check the URL, that the database runs, and ingest.store.user/password");
        }
        config.setConnectionTimeout(10_000);
        config.setMaximumPoolSize(wholeNumber(pc, "ingest.store.pool-size", 4));
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
}
