package io.cutflow.job.bootstrap;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.apache.flink.runtime.checkpoint.InflightDataRescalingDescriptor;

/**
 * The State Processor API ships its internal OperatorSubtaskState records with Kryo. On Java 17 Kryo's
 * reflectasm instantiator cannot create Flink's package-private NoRescalingDescriptor (IllegalAccessError):
 * the singleton is written as nothing and read back as itself.
 */
public final class NoRescaleKryoSerializer extends Serializer<InflightDataRescalingDescriptor> {

    static final String TARGET = "org.apache.flink.runtime.checkpoint.InflightDataRescalingDescriptor$NoRescalingDescriptor";

    @Override
    public void write(Kryo kryo, Output output, InflightDataRescalingDescriptor descriptor) {}

    @Override
    public InflightDataRescalingDescriptor read(Kryo kryo, Input input, Class<? extends InflightDataRescalingDescriptor> type) {
        return InflightDataRescalingDescriptor.NO_RESCALE;
    }

    @Override
    public InflightDataRescalingDescriptor copy(Kryo kryo, InflightDataRescalingDescriptor original) {
        return original;
    }
}
