package io.meteringest;

import io.meteringest.local.EmbeddedAwsListener;
import io.meteringest.local.SendCommand;
import io.meteringest.ops.GracefulStop;
import io.meteringest.ops.JmxRemote;
import io.meteringest.ops.OperationsCommand;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.PropertyBindingException;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Entry point: runs the Camel main process (routes from {@code routes/}, settings from
 * {@code application.properties}, both read from the working folder, with the jar's copies as
 * fallback), or a subcommand: {@code send} (local samples), {@code redrive}, {@code replay},
 * {@code flush} (operations on the running instance over JMX).
 */
public final class Application {

    private static final Logger LOG = LoggerFactory.getLogger(Application.class);

    private Application() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && "send".equals(args[0])) {
            System.exit(SendCommand.run(Arrays.asList(args).subList(1, args.length)));
        }
        if (args.length > 0 && List.of("redrive", "replay", "flush").contains(args[0])) {
            System.exit(OperationsCommand.run(args[0], Arrays.asList(args).subList(1, args.length)));
        }
        int exitCode = 1;
        try {
            exitCode = run(args);
        } catch (Exception e) {
            LOG.error("meter-ingest stopped on an unexpected error", e);
        } finally {
            // embedded servers run non-daemon threads: always end the JVM explicitly
            System.exit(exitCode);
        }
    }

    static int run(String[] args) throws Exception {
        optionalChecksumsOff();
        Main main = new Main();
        main.setDefaultPropertyPlaceholderLocation(Files.isRegularFile(Path.of("application.properties"))
                ? "file:application.properties" : "classpath:application.properties");
        main.addInitialProperty("camel.main.routes-include-pattern",
                Files.isDirectory(Path.of("routes")) ? "file:routes/*.camel.yaml" : "classpath:routes/*.camel.yaml");
        main.configure().addConfiguration(IngestConfiguration.class);
        // first: no embedded server, client or bean starts on a bad setting
        SettingsCheck settings = new SettingsCheck();
        main.addMainListener(settings);
        main.addMainListener(new EmbeddedAwsListener());
        main.addMainListener(new StartupChecks());
        main.addMainListener(new GracefulStop());
        main.addMainListener(new JmxRemote(settings::checkedJmx));
        // SIGTERM/SIGINT end the run like a completed main: Camel stops gracefully and we exit 0,
        // instead of the JVM's 143 from inside its shutdown hooks
        Signal.handle(new Signal("TERM"), signal -> main.completed());
        Signal.handle(new Signal("INT"), signal -> main.completed());
        try {
            return main.run(args);
        } catch (Exception e) {
            String problem = configurationProblem(e);
            if (problem == null) {
                throw e;
            }
            LOG.error("meter-ingest cannot start: {}", problem);
            return 1;
        }
    }

    /**
     * Since 2.30 the AWS SDK adds a CRC32 trailer (chunked encoding) to every PutObject and checks
     * response checksums by default: measurable CPU per message that S3 does not ask for. WHEN_REQUIRED
     * keeps them where an operation demands one. Set -Daws.requestChecksumCalculation /
     * AWS_REQUEST_CHECKSUM_CALCULATION (and the response twins) to WHEN_SUPPORTED to have them back.
     */
    static void optionalChecksumsOff() {
        for (String[] setting : new String[][] {
                {"aws.requestChecksumCalculation", "AWS_REQUEST_CHECKSUM_CALCULATION"},
                {"aws.responseChecksumValidation", "AWS_RESPONSE_CHECKSUM_VALIDATION"}}) {
            if (System.getProperty(setting[0]) == null && System.getenv(setting[1]) == null) {
                System.setProperty(setting[0], "WHEN_REQUIRED");
            }
        }
    }

    /** The one-line message of a mistake a person can fix (our checks, or a Camel key that does not bind). */
    private static String configurationProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StartupException startup) {
                return startup.getMessage();
            }
            if (t instanceof NoSuchFileException missing) {
                return "no routes loaded: '" + missing.getFile() + "' does not exist; start from the project folder"
                        + " (routes/ beside application.properties) or set camel.main.routes-include-pattern";
            }
            if (t instanceof PropertyBindingException binding) {
                String key = binding.getOptionPrefix() == null ? binding.getPropertyName()
                        : (binding.getOptionPrefix() + "." + binding.getOptionKey()).replace("..", ".");
                return key + ": cannot be set to '" + binding.getValue() + "' ("
                        + (binding.getCause() != null ? binding.getCause().getMessage() : "unknown option")
                        + "); fix the key or value in application.properties or at launch";
            }
        }
        return null;
    }
}
