package io.cutflow.inference.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import io.cutflow.inference.model.ModelProfile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of an ONNX model whose graph inputs and outputs have a free batch dimension ({@code dim_param "batch"}
 * instead of {@code dim_value 1}), for testing and benchmarking micro-batching with the ISNet models, which are
 * exported with a batch of 1 but whose layers (convolutions, resizes) work on any batch. The rewrite edits only
 * those shapes and drops the intermediate shape annotations ({@code value_info}), which ONNX Runtime infers again;
 * weights and nodes are copied as they are. Fields are handled as raw protobuf (ModelProto field 7 = graph;
 * GraphProto 11 = input, 12 = output, 13 = value_info; ValueInfoProto 2 = type; TypeProto 1 = tensor_type;
 * Tensor 2 = shape; TensorShapeProto 1 = dim; Dimension 1 = dim_value, 2 = dim_param), so no ONNX library is needed.
 * A model with a batch size baked into a reshape still fails at run time with batches above 1: compare outputs.
 */
public final class DynamicBatchModel {

    private DynamicBatchModel() {}

    /** The profile of a rewritten copy: the fixed model's, renamed, with a dynamic batch and the given output. */
    public static ModelProfile profile(ModelProfile fixed, String name, String outputName) {
        return new ModelProfile(name, fixed.inputName(), fixed.inputWidth(), fixed.inputHeight(), fixed.mean(),
                fixed.std(), outputName, fixed.activation(), true);
    }

    /** The dynamic-batch copy of {@code model}, made once next to it ({@code <name>-dynamic-batch.onnx}). */
    public static Path of(Path model) throws IOException {
        String name = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        Path copy = model.resolveSibling(name + "-dynamic-batch.onnx");
        if (Files.exists(copy) && Files.getLastModifiedTime(copy).compareTo(Files.getLastModifiedTime(model)) >= 0) {
            return copy;
        }
        UnknownFieldSet modelProto;
        try (InputStream in = Files.newInputStream(model)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE);
            modelProto = UnknownFieldSet.newBuilder().mergeFrom(coded).build();
        }
        UnknownFieldSet graph = parse(only(modelProto, 7));
        graph = graph.toBuilder()
                .clearField(11).addField(11, repeated(freeBatch(graph.getField(11).getLengthDelimitedList())))
                .clearField(12).addField(12, repeated(freeBatch(graph.getField(12).getLengthDelimitedList())))
                .clearField(13)
                .build();
        modelProto = modelProto.toBuilder().clearField(7).addField(7, single(graph)).build();
        Path partial = Files.createTempFile(copy.getParent(), name, ".partial");
        try {
            try (var out = Files.newOutputStream(partial)) {
                modelProto.writeTo(out);
            }
            Files.move(partial, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        return copy;
    }

    private static List<ByteString> freeBatch(List<ByteString> valueInfos) throws IOException {
        List<ByteString> rewritten = new ArrayList<>();
        for (ByteString valueInfo : valueInfos) {
            UnknownFieldSet info = parse(valueInfo);
            UnknownFieldSet type = parse(only(info, 2));
            UnknownFieldSet tensor = parse(only(type, 1));
            UnknownFieldSet shape = parse(only(tensor, 2));
            List<ByteString> dims = new ArrayList<>(shape.getField(1).getLengthDelimitedList());
            dims.set(0, UnknownFieldSet.newBuilder()
                    .addField(2, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("batch")).build())
                    .build().toByteString());
            shape = shape.toBuilder().clearField(1).addField(1, repeated(dims)).build();
            tensor = tensor.toBuilder().clearField(2).addField(2, single(shape)).build();
            type = type.toBuilder().clearField(1).addField(1, single(tensor)).build();
            rewritten.add(info.toBuilder().clearField(2).addField(2, single(type)).build().toByteString());
        }
        return rewritten;
    }

    private static ByteString only(UnknownFieldSet message, int field) throws IOException {
        List<ByteString> values = message.getField(field).getLengthDelimitedList();
        if (values.size() != 1) {
            throw new IOException("not an ONNX model with shaped tensors: field " + field + " occurs " + values.size() + " times");
        }
        return values.get(0);
    }

    private static UnknownFieldSet parse(ByteString bytes) throws IOException {
        CodedInputStream coded = bytes.newCodedInput();
        coded.setSizeLimit(Integer.MAX_VALUE);
        return UnknownFieldSet.newBuilder().mergeFrom(coded).build();
    }

    private static UnknownFieldSet.Field single(UnknownFieldSet message) {
        return UnknownFieldSet.Field.newBuilder().addLengthDelimited(message.toByteString()).build();
    }

    private static UnknownFieldSet.Field repeated(List<ByteString> values) {
        UnknownFieldSet.Field.Builder field = UnknownFieldSet.Field.newBuilder();
        values.forEach(field::addLengthDelimited);
        return field.build();
    }
}
