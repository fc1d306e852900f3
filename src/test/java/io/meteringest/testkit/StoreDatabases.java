package io.meteringest.testkit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The databases the store runs on in tests: H2 (always) and the PostgreSQL that .ci/run installs and
 * starts. PostgreSQL settings come from INGEST_TEST_POSTGRES_URL / _USER / _PASSWORD; a test that
 * cannot reach it is skipped with that reason, never silently passed.
 */
public final class StoreDatabases {

    public static final String POSTGRES_URL = env("INGEST_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/meter_ingest");
    public static final String POSTGRES_USER = env("INGEST_TEST_POSTGRES_USER", "meter_ingest");
    public static final String POSTGRES_PASSWORD = env("INGEST_TEST_POSTGRES_PASSWORD", "meter_ingest");

    private StoreDatabases() {
    }

    /** Null when PostgreSQL is reachable, else why not. */
    public static String postgresUnavailable() {
        try (Connection connection = DriverManager.getConnection(POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD)) {
            return null;
        } catch (SQLException e) {
            return "PostgreSQL not reachable at " + POSTGRES_URL + " (" + e.getMessage()
                    + "); .ci/run installs and starts it";
        }
    }

    /** A fresh, empty PostgreSQL schema; its JDBC URL points at it. */
    public static String freshPostgresSchema() throws SQLException {
        String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return freshSchema(POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD, schema);
    }

    /**
     * Schema {@code name} (non-word characters made {@code _}), dropped if it exists and created empty, in the
     * PostgreSQL database at {@code url} (user and password may be null when the URL carries them); the URL that points at it.
     */
    public static String freshSchema(String url, String user, String password, String name) throws SQLException {
        String schema = name.replaceAll("\\W", "_").toLowerCase();
        try (Connection connection = user == null ? DriverManager.getConnection(url) : DriverManager.getConnection(url, user, password);
             Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            statement.execute("CREATE SCHEMA " + schema);
        }
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    public static HikariDataSource pool(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        if (user != null) {
            config.setUsername(user);
            config.setPassword(password);
        }
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    private static String env(String key, String fallback) {
        String value = System.getenv(key);
        return value == null || value.isBlank() ? fallback : value;
    }
}
