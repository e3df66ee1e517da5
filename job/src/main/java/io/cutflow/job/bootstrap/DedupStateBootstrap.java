package io.cutflow.job.bootstrap;

import io.cutflow.job.CutflowJob;
import io.cutflow.job.CutflowOptions;
import io.cutflow.job.JobArguments;
import io.cutflow.job.db.DatabaseSettings;
import io.cutflow.job.dedup.FirstSightingFilter;
import io.cutflow.job.hashing.SightingState;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.api.functions.KeyedStateBootstrapFunction;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Builds the dedup state from PostgreSQL as a savepoint (Flink's State Processor API): every content that has a
 * processing_jobs row is marked as seen under the job's first-sighting operator. A new deployment, or one whose
 * state was lost, starts from this savepoint and does not reprocess what the database already holds.
 * {@code bin/cutflow bootstrap-state --jdbc-url URL --savepoint PATH}, or on a cluster
 * {@code flink run -c io.cutflow.job.bootstrap.DedupStateBootstrap cutflow-job.jar --jdbc-url .. --savepoint s3://..}.
 */
public final class DedupStateBootstrap {

    /** Contents with a job row: done or failed for good. Hashed contents without one are left to be inferred. */
    private DedupStateBootstrap() {}

    public static void main(String[] args) throws Exception {
        Configuration config = JobArguments.parse(args);
        write(StreamExecutionEnvironment.getExecutionEnvironment(config), config);
    }

    /** Writes the savepoint at cutflow.bootstrap.savepoint and returns its path. */
    public static String write(StreamExecutionEnvironment env, Configuration config) throws Exception {
        String target = prepare(env, config);
        env.execute("cutflow bootstrap-state");
        return target;
    }

    /**
     * Adds the bootstrap to the environment and returns the savepoint's path. The database is read by
     * {@link DoneContentsReader}: the password is read where it runs, never put into the job graph.
     */
    public static String prepare(StreamExecutionEnvironment env, Configuration config) {
        String target = config.get(CutflowOptions.BOOTSTRAP_SAVEPOINT);
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("missing --savepoint (where to write the bootstrap savepoint)");
        }
        DatabaseSettings db = DatabaseSettings.from(config);
        Configuration serialization = new Configuration();
        serialization.set(PipelineOptions.SERIALIZATION_CONFIG, java.util.List.of(NoRescaleKryoSerializer.TARGET
                + ": {type: kryo, kryo-type: default, class: " + NoRescaleKryoSerializer.class.getName() + "}"));
        env.configure(serialization);
        int maxParallelism = config.getOptional(PipelineOptions.MAX_PARALLELISM).orElse(CutflowJob.DEFAULT_MAX_PARALLELISM);

        // one slice of the md5 space per element, read where the reader runs: flink-connector-jdbc's JdbcSource would
        // carry the password in the graph (its builder also drops a connection provider given to it)
        DataStream<String> md5s = env.fromSequence(0, DoneContentsReader.SLICES - 1)
                .flatMap(new DoneContentsReader(db)).returns(Types.STRING)
                .name("processing_jobs md5s");

        StateBootstrapTransformation<String> sightings = OperatorTransformation.bootstrapWith(md5s)
                .keyBy(md5 -> md5, Types.STRING)
                .transform(new SightingBootstrap());
        SavepointWriter.newSavepoint(env, new EmbeddedRocksDBStateBackend(true), maxParallelism)
                .withOperator(OperatorIdentifier.forUid(CutflowJob.UID_FIRST_SIGHTING), sightings)
                .write(target);
        return target;
    }

    /** Marks one content as seen, exactly as the running job's first sighting would. */
    static final class SightingBootstrap extends KeyedStateBootstrapFunction<String, String> {
        private transient ValueState<SightingState> sighting;

        @Override
        public void open(OpenContext openContext) {
            sighting = getRuntimeContext().getState(FirstSightingFilter.stateDescriptor());
        }

        @Override
        public void processElement(String md5, Context context) throws Exception {
            sighting.update(new SightingState(System.currentTimeMillis(), null));
        }
    }
}
