package io.cutflow.job.bootstrap;

import io.cutflow.job.db.DatabaseSettings;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * The contents processing_jobs knows, one slice of the md5 space (a leading hex digit) per input element, streamed
 * with a cursor. It connects through {@link DatabaseSettings} where it runs, so the job graph holds the password
 * file's path at most, never the password; slices read in parallel and each is one index range scan.
 */
final class DoneContentsReader extends RichFlatMapFunction<Long, String> {

    private static final long serialVersionUID = 1L;

    /** Slices of the md5 space: one per leading hex digit. */
    static final int SLICES = 16;

    private static final String SLICE = "SELECT DISTINCT md5 FROM processing_jobs WHERE md5 >= ? AND md5 < ?";

    private final DatabaseSettings db;

    DoneContentsReader(DatabaseSettings db) {
        this.db = db;
    }

    @Override
    public void flatMap(Long slice, Collector<String> out) throws Exception {
        String from = Integer.toHexString(slice.intValue());
        String to = slice == SLICES - 1 ? "g" : Integer.toHexString(slice.intValue() + 1); // 'g' sorts after 'f'
        try (Connection c = db.connect()) {
            c.setAutoCommit(false); // pgjdbc streams with a cursor only outside auto-commit
            try (PreparedStatement ps = c.prepareStatement(SLICE)) {
                ps.setFetchSize(10_000);
                ps.setString(1, from);
                ps.setString(2, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.collect(rs.getString(1));
                    }
                }
            }
            c.commit();
        }
    }
}
