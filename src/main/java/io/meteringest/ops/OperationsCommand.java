package io.meteringest.ops;

import io.meteringest.CommandSettings;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * {@code java -jar meter-ingest.jar redrive [max] | replay --from T --to T | flush}: runs the
 * operation on the running instance through its {@link OperationsMBean} over remote JMX
 * ({@code ingest.jmx.port}), so the command and JMX clients share one implementation.
 */
public final class OperationsCommand {

    private OperationsCommand() {
    }

    public static int run(String command, List<String> args) throws Exception {
        CommandSettings settings = new CommandSettings();
        String port = settings.get("ingest.jmx.port", "");
        if (port.isEmpty() || port.equals("0")) {
            System.err.println("remote JMX is off: start meter-ingest with ingest.jmx.port set (e.g. -Dingest.jmx.port=9010)"
                    + " and run this with the same setting");
            return 2;
        }
        String host = settings.get("ingest.jmx.host", "127.0.0.1");
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + host + ":" + port + "/jmxrmi");
        Map<String, Object> env = new HashMap<>();
        String user = System.getenv("INGEST_JMX_USER");
        if (user != null) {
            env.put(JMXConnector.CREDENTIALS, new String[] {user, System.getenv("INGEST_JMX_PASSWORD")});
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(url, env)) {
            MBeanServerConnection connection = connector.getMBeanServerConnection();
            Set<ObjectName> names = connection.queryNames(new ObjectName("io.meteringest:type=operations,*"), null);
            if (names.isEmpty()) {
                System.err.println("no meter-ingest operations MBean at " + url);
                return 1;
            }
            OperationsMBean operations = JMX.newMBeanProxy(connection, names.iterator().next(), OperationsMBean.class);
            return switch (command) {
                case "redrive" -> redrive(operations, args.isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(args.get(0)));
                case "replay" -> replay(operations, args);
                case "flush" -> print(operations.flush());
                default -> throw new IllegalArgumentException(command);
            };
        } catch (IOException e) {
            System.err.println("cannot reach meter-ingest over JMX at " + host + ":" + port + " (" + e.getMessage() + ")");
            return 1;
        }
    }

    /** Moves in batches of 10 so the operator sees progress. */
    private static int redrive(OperationsMBean operations, int max) {
        int total = 0;
        while (total < max) {
            int moved = operations.redrive(Math.min(10, max - total));
            if (moved == 0) {
                break;
            }
            total += moved;
            System.out.println("redrive: " + total + " message(s) moved so far");
        }
        System.out.println("redrive done: " + total + " message(s) moved back to the ingest queue");
        return 0;
    }

    private static int replay(OperationsMBean operations, List<String> args) {
        String from = null;
        String to = null;
        for (int i = 0; i + 1 < args.size(); i += 2) {
            switch (args.get(i)) {
                case "--from" -> from = args.get(i + 1);
                case "--to" -> to = args.get(i + 1);
                default -> { }
            }
        }
        if (from == null || to == null) {
            System.err.println("usage: java -jar target/meter-ingest.jar replay --from 2026-11-21T20:00:00Z --to 2026-11-21T22:00:00Z");
            return 2;
        }
        return print(operations.replay(from, to));
    }

    private static int print(String summary) {
        System.out.println(summary);
        return 0;
    }
}
