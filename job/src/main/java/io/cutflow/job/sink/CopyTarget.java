package io.cutflow.job.sink;

import java.io.Serializable;

/**
 * How records of one type land in one table through {@link CopyUpsertWriter}: the staging columns, the COPY
 * text encoding of a record, the key that collapses duplicates inside a batch, and the merge statement.
 */
public interface CopyTarget<T> extends Serializable {

    /** Name for the session's temporary staging table. */
    String name();

    /** Column definitions of the staging table, e.g. {@code url text, md5 char(32)}. */
    String stagingColumns();

    /** Appends the record's fields in staging-column order. */
    void encode(T record, CopyRow row);

    /** Duplicates inside a batch share a key; one multi-row ON CONFLICT statement must not touch a row twice. */
    String key(T record);

    /** Which of two records with the same key survives (default: the later one). */
    default T reduce(T earlier, T later) {
        return later;
    }

    /** INSERT .. SELECT .. FROM the staging table .. ON CONFLICT ..: must be idempotent. */
    String mergeSql(String stagingTable);
}
