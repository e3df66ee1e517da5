package io.cutflow.job.hashing;

import io.cutflow.inference.InferenceRequest;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by MD5: the first sighting of a content goes on to inference, later ones (the same bytes under another
 * name, or a re-listing) stop here. Checkpointed keyed state makes the decision exactly once across restarts.
 */
public class FirstSightingFilter extends KeyedProcessFunction<String, HashedObject, InferenceRequest> {

    public static final String ACC_DUPLICATES = "cutflow.duplicates";

    private transient ValueState<SightingState> sighting;
    private transient LongCounter duplicates;
    private transient Counter duplicatesMetric;

    /** The dedup state, shared with the state bootstrap (bin/cutflow bootstrap-state). */
    public static ValueStateDescriptor<SightingState> stateDescriptor() {
        return new ValueStateDescriptor<>("first-sighting", SightingState.class);
    }

    @Override
    public void open(OpenContext openContext) {
        sighting = getRuntimeContext().getState(stateDescriptor());
        duplicates = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_DUPLICATES, duplicates);
        duplicatesMetric = getRuntimeContext().getMetricGroup().counter("dedupHits");
    }

    @Override
    public void processElement(HashedObject object, Context ctx, Collector<InferenceRequest> out) throws Exception {
        if (sighting.value() != null) {
            duplicates.add(1);
            duplicatesMetric.inc();
            return;
        }
        sighting.update(new SightingState(System.currentTimeMillis(), object.url()));
        out.collect(new InferenceRequest(object.md5(), object.url(), object.sizeBytes()));
    }
}
