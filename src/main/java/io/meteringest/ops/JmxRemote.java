package io.meteringest.ops;

import io.meteringest.SettingsCheck;
import io.meteringest.StartupException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.rmi.server.UnicastRemoteObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote JMX (RMI), opt-in with {@code ingest.jmx.port}: the route MBeans and our operations MBean
 * for JConsole/VisualVM and the jar's subcommands. Binds loopback by default; any other address is
 * refused unless a password file and an access file protect it.
 */
public final class JmxRemote extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JmxRemote.class);

    private final Supplier<SettingsCheck.Jmx> settings;
    private JMXConnectorServer server;
    private Registry registry;

    /** {@code settings}: ingest.jmx.* as SettingsCheck checked them (null: remote JMX off). */
    public JmxRemote(Supplier<SettingsCheck.Jmx> settings) {
        this.settings = settings;
    }

    @Override
    public void beforeStart(BaseMainSupport main) {
        SettingsCheck.Jmx jmx = settings.get();
        if (jmx == null) {
            return;
        }
        String host = jmx.host();
        int port = jmx.port();
        Map<String, Object> env = new HashMap<>();
        if (jmx.secured()) {
            env.put("jmx.remote.x.password.file", jmx.passwordFile());
            env.put("jmx.remote.x.access.file", jmx.accessFile());
        }
        RMIServerSocketFactory sockets = new BoundSocketFactory(jmx.address());
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
            LOG.info("remote JMX at {}{}", url, jmx.secured() ? " (password and access files)" : " (loopback only)");
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

    /** RMI sockets on one address only (the registry and the connector share it). */
    private record BoundSocketFactory(InetAddress address) implements RMIServerSocketFactory {
        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return new ServerSocket(port, 50, address);
        }
    }
}
