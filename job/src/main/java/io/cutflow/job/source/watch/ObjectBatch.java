package io.cutflow.job.source.watch;

import org.apache.flink.api.connector.source.SourceSplit;

import java.util.List;

/**
 * The split: a batch of listed objects handed to one reader at once. Not one split per object: Flink 2.3 keeps a
 * metric group and a split output for every split a reader ever had (FLIP-513's split metrics; the groups are not
 * released, FLINK-40549), about 12 KB per split, so a source that hands out millions of one-object splits grows the
 * TaskManager's heap without bound. Batches divide that by their size; the reader also releases each batch's output.
 */
public record ObjectBatch(String splitId, List<ListedObject> objects) implements SourceSplit {

    public ObjectBatch {
        objects = List.copyOf(objects);
    }
}
