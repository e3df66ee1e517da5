package io.cutflow.job.source;

import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;

import java.time.Duration;

/** Lists the raw location once (backfill) or keeps watching it for new objects. */
public final class RawObjectSource {

    private RawObjectSource() {}

    public static FileSource<DiscoveredObject> create(String rawUri, boolean once, Duration scanInterval) {
        FileSource.FileSourceBuilder<DiscoveredObject> builder =
                FileSource.forBulkFileFormat(new ObjectDiscoveryFormat(), new Path(rawUri));
        if (!once) {
            builder.monitorContinuously(scanInterval);
        }
        return builder.build();
    }
}
