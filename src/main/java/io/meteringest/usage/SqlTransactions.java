package io.meteringest.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL stores' transactions: each unit of work runs in one transaction, from the start again when
 * it loses a race with another instance (unique key, deadlock, lock timeout); any other failure is the
 * store being down, reported at once so the message is not held longer.
 */
final class SqlTransactions {

    private static final Logger LOG = LoggerFactory.getLogger(SqlTransactions.class);
    private static final int ATTEMPTS = 5;

    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    SqlTransactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Runs {@code work} in one transaction, from the start again when it loses a race with another instance. */
    <T> T inTransaction(Work<T> work) {
        SQLException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try {
                    T result = work.run(connection);
                    connection.commit();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                if (!isConflict(e)) {
                    // the store is down or refuses the statement: retrying here would only hold the message longer
                    throw new IllegalStateException("usage store unavailable: " + e.getMessage(), e);
                }
                last = e;
                LOG.debug("store transaction attempt {} lost a race: {}", attempt, e.getMessage());
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new IllegalStateException("usage store transaction failed after " + ATTEMPTS + " attempts: "
                + (last == null ? "interrupted" : last.getMessage()), last);
    }

    /**
     * Serialization failure, deadlock, lock timeout, a concurrent insert of the same key, or of the same
     * day partition (42P07: two instances' CREATE TABLE IF NOT EXISTS at once): worth another go.
     */
    static boolean isConflict(SQLException e) {
        // SQLException iterates its causes and its next exceptions (how a batch reports its statement's failure)
        for (Throwable t : e) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("40") || state.equals("23505") || state.equals("HYT00") || state.equals("90131")
                        || state.equals("55P03") || state.equals("42P07")) {
                    return true;
                }
            }
        }
        return false;
    }

    static int update(Connection connection, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement.executeUpdate();
        }
    }
}
