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

    /**
     * {@code INSERT .. SELECT .. FROM} the staging table {@code ORDER BY} the key, without conflict handling: the
     * writer's fast path for a batch of new keys. Ordering by the target's unique key makes the index inserts walk each
     * partition's btree in order (measured: 1M random urls merged into image_urls in 15.8 s sorted against 20.5 s
     * unsorted, PostgreSQL 17). The writer also sends the batch in key order, so the sort finds its input sorted;
     * without the ORDER BY that order alone was slower.
     */
    String insertSql(String stagingTable);

    /** The {@code ON CONFLICT ..} clause that makes {@link #insertSql} an idempotent merge. */
    String onConflict();

    /** The idempotent merge: the plain insert with its conflict clause. */
    default String mergeSql(String stagingTable) {
        return insertSql(stagingTable) + " " + onConflict();
    }

    /**
     * Whether the writer first tries a batch as a plain insert and merges only when a key already exists. Speculative
     * insertion (ON CONFLICT) costs ~40 % more server time per new row than a plain insert; keep this only where
     * most batches hold new keys.
     */
    default boolean insertFirst() {
        return true;
    }
}
