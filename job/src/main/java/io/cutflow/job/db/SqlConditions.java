package io.cutflow.job.db;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The conditions of a statement built from the filters that are set, each a literal SQL fragment with its values in
 * order. Why not one fixed statement with {@code (? IS NULL OR col = ?)} guards: a generic plan cannot drop the
 * unset ones, and a url prefix under such a guard was planned as a scan of every url (0.9 s per console page at
 * 1.2M urls); the statement built from the set filters only is planned for what it asks.
 */
public final class SqlConditions {

    /** A value bound as an SQL array of {@code elementType} (e.g. {@code bpchar} for md5 lists: see V11's note). */
    public record SqlArray(String elementType, Object[] items) {
        public SqlArray {
            items = items.clone();
        }
    }

    private final StringBuilder sql = new StringBuilder();
    private final List<Object> values = new ArrayList<>();

    /** Adds {@code AND condition} with its values (one per {@code ?} in it, in order). */
    public SqlConditions and(String condition, Object... conditionValues) {
        return and(condition, Arrays.asList(conditionValues));
    }

    /** Adds {@code AND condition} with its values, e.g. a subquery built from conditions of its own. */
    public SqlConditions and(String condition, List<?> conditionValues) {
        sql.append(" AND ").append(condition);
        values.addAll(conditionValues);
        return this;
    }

    /** Adds {@code AND condition} bound to {@code value} when the filter is set (not null), else nothing. */
    public SqlConditions andIfSet(Object value, String condition) {
        return value == null ? this : and(condition, value);
    }

    /** The conditions added so far, each as {@code " AND ..."}; empty when none is set. */
    public String sql() {
        return sql.toString();
    }

    /** Their values in order: Strings, numbers, Instants (as timestamps) and {@link SqlArray}s. */
    public List<Object> values() {
        return List.copyOf(values);
    }

    /** Binds the values from parameter {@code first} on; returns the index after the last. */
    public int bind(PreparedStatement ps, int first) throws SQLException {
        int i = first;
        for (Object value : values) {
            if (value instanceof Instant t) {
                ps.setTimestamp(i++, Timestamp.from(t));
            } else if (value instanceof SqlArray a) {
                Array array = ps.getConnection().createArrayOf(a.elementType(), a.items());
                ps.setArray(i++, array);
            } else {
                ps.setObject(i++, value);
            }
        }
        return i;
    }

    /** A LIKE pattern (with {@code ESCAPE '\'}) matching every text that starts with {@code prefix}, taken literally. */
    public static String likePrefix(String prefix) {
        return likeEscape(prefix) + "%";
    }

    /** {@code text} with LIKE's wildcards and the escape character escaped ({@code ESCAPE '\'}). */
    public static String likeEscape(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
