package io.meteringest.ops;

import io.meteringest.StartupException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote JMX (RMI), opt-in with {@code ingest.jmx.port}: the route MBeans and our operations MBean
 * for JConsole/VisualVM and the jar's subcommands. Binds loopback by default; any other address is
 * refused unless a password file and an access file protect it.
 */
public final class JmxRemote extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JmxRemote.class);

    private JMXConnectorServer server;
    private Registry registry;

    @Override
    public void beforeStart(BaseMainSupport main) {
        PropertiesComponent pc = main.getCamelContext().getPropertiesComponent();
        String portValue = pc.resolveProperty("ingest.jmx.port").map(String::trim).orElse("");
        if (portValue.isEmpty() || portValue.equals("0")) {
            return;
        }
        int port = parsePort(portValue);
        String host = pc.resolveProperty("ingest.jmx.host").map(String::trim).filter(h -> !h.isEmpty()).orElse("127.0.0.1");
        String passwordFile = pc.resolveProperty("ingest.jmx.password-file").map(String::trim).orElse("");
        String accessFile = pc.resolveProperty("ingest.jmx.access-file").map(String::trim).orElse("");
        InetAddress address = address(host);
        boolean secured = !passwordFile.isEmpty() && !accessFile.isEmpty();
        if (!address.isLoopbackAddress() && !secured) {
            throw new StartupException("ingest.jmx.host: '" + host + "' is not loopback; remote JMX there needs"
                    + " ingest.jmx.password-file and ingest.jmx.access-file (refusing to start unprotected)");
        }
        Map<String, Object> env = new HashMap<>();
        if (secured) {
            requireReadable("ingest.jmx.password-file", passwordFile);
            requireReadable("ingest.jmx.access-file", accessFile);
            env.put("jmx.remote.x.password.file", passwordFile);
            env.put("jmx.remote.x.access.file", accessFile);
        }
        RMIServerSocketFactory sockets = new BoundSocketFactory(address);
        env.put("jmx.remote.rmi.server.socket.factory", sockets);
        if (System.getProperty("java.rmi.server.hostname") == null) {
            System.setProperty("java.rmi.server.hostname", host);
        }
        try {
            registry = LocateRegistry.createRegistry(port, null, sockets);
            JMXServiceURL url = new JMXServiceURL(
                    "service:jmx:rmi://" + host + ":" + port + "/jndi/rmi://" + host + ":" + port + "/jmxrmi");
            server = JMXConnectorServerFactory.newJMXConnectorServer(url, env, ManagementFactory.getPlatformMBeanServer());
            server.start();
            LOG.info("remote JMX at {}{}", url, secured ? " (password and access files)" : " (loopback only)");
        } catch (IOException e) {
            throw new StartupException("ingest.jmx.port: remote JMX cannot listen on " + host + ":" + port
                    + " (" + e.getMessage() + "); free the port or set ingest.jmx.port");
        }
    }

    @Override
    public void afterStop(BaseMainSupport main) {
        try {
            if (server != null) {
                server.stop();
            }
            if (registry != null) {
                UnicastRemoteObject.unexportObject(registry, true);
            }
        } catch (IOException e) {
            LOG.debug("remote JMX did not stop cleanly: {}", e.getMessage());
        }
    }

    private static int parsePort(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StartupException("ingest.jmx.port: must be a port number, was '" + value + "'");
        }
    }

    private static InetAddress address(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (IOException e) {
            throw new StartupException("ingest.jmx.host: cannot resolve '" + host + "'");
        }
    }

    private static void requireReadable(String key, String file) {
        if (!Files.isReadable(Path.of(file))) {
            throw new StartupException(key + ": cannot read '" + file + "'");
        }
    }

    /** RMI sockets on one address only (the registry and the connector share it). */
    private record BoundSocketFactory(InetAddress address) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }
    }
}
