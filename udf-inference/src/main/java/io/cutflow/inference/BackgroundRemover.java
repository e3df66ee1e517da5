package io.cutflow.inference;

import io.cutflow.inference.assets.AssetKeys;
import io.cutflow.inference.assets.ObjectStore;
import io.cutflow.inference.image.ImageDecoder;
import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.image.PngEncoder;
import io.cutflow.inference.model.ModelException;
import io.cutflow.inference.model.ModelRunner;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One image through one template: read by reference, check the content is still what was hashed, decode,
 * infer, write the assets at deterministic keys. Every per-image problem becomes a failed result with its class,
 * never an exception: the job must not restart because of one bad object.
 */
public final class BackgroundRemover {

    private final ModelRunner runner;
    private final MaskTranslator translator;
    private final ParameterTemplate template;
    private final InferenceSettings settings;
    private final ImageDecoder decoder;
    private final PngEncoder encoder;
    private final String workerNode;

    public BackgroundRemover(ModelRunner runner, InferenceSettings settings, String workerNode) {
        this.runner = runner;
        this.translator = new MaskTranslator(runner.profile());
        this.template = settings.template();
        this.settings = settings;
        this.decoder = new ImageDecoder(settings.maxPixels());
        this.encoder = new PngEncoder(settings.pngCompressionLevel());
        this.workerNode = workerNode;
    }

    public InferenceResult process(InferenceRequest request) {
        long startedAt = System.currentTimeMillis();
        ImageDecoder.Decoded decoded = null;
        try {
            byte[] bytes = ObjectStore.read(request.url(), settings.maxObjectBytes());
            String md5 = Md5.hex(bytes);
            if (!md5.equals(request.md5())) {
                throw new ImageRejectedException(FailureClass.CONTENT_CHANGED,
                        "object changed after it was hashed (md5 now " + md5 + ")");
            }
            decoded = decoder.decode(bytes);
            bytes = null; // let the encoded bytes go before the big buffers below
            int width = decoded.image().getWidth();
            int height = decoded.image().getHeight();

            long inferenceStart = System.nanoTime();
            float[] output = runInference(translator.toInput(decoded.image()));
            int inferenceMs = (int) ((System.nanoTime() - inferenceStart) / 1_000_000);

            byte[] alpha = template.applyThreshold(translator.toAlpha(output, width, height));
            AssetRecord[] assets = writeAssets(request.md5(), decoded, alpha);
            return result(request, startedAt, InferenceResult.SUCCESS, null, null, inferenceMs, decoded, assets);
        } catch (ImageRejectedException e) {
            return result(request, startedAt, InferenceResult.FAILED, e.failureClass(), e.getMessage(), 0, decoded, new AssetRecord[0]);
        } catch (OutOfMemoryError e) {
            return result(request, startedAt, InferenceResult.FAILED, FailureClass.TOO_LARGE,
                    "out of memory while processing the image: " + e.getMessage(), 0, decoded, new AssetRecord[0]);
        } catch (RuntimeException e) {
            // a codec bug on a hostile file must not restart the job; the class names the stage that broke
            return result(request, startedAt, InferenceResult.FAILED, FailureClass.UNDECODABLE,
                    e.getClass().getSimpleName() + ": " + e.getMessage(), 0, decoded, new AssetRecord[0]);
        }
    }

    /** The result for a request that never reached the model (e.g. a timeout). */
    public InferenceResult failure(InferenceRequest request, long startedAt, FailureClass failureClass, String message) {
        return result(request, startedAt, InferenceResult.FAILED, failureClass, message, 0, null, new AssetRecord[0]);
    }

    private float[] runInference(float[] input) throws ImageRejectedException {
        try {
            return runner.run(input);
        } catch (ModelException e) {
            throw new ImageRejectedException(FailureClass.MODEL_ERROR, e.getMessage(), e);
        }
    }

    private AssetRecord[] writeAssets(String md5, ImageDecoder.Decoded decoded, byte[] alpha) throws ImageRejectedException {
        int width = decoded.image().getWidth();
        int height = decoded.image().getHeight();
        List<AssetRecord> records = new ArrayList<>();
        for (AssetType type : template.assets()) {
            byte[] png = switch (type) {
                case ALPHA_MASK -> encoder.encodeGrey(alpha, width, height);
                case TRANSPARENT_PNG -> encoder.encodeRgba(MaskTranslator.bgrPixels(decoded.image(), width, height), alpha, width, height);
            };
            String uri = AssetKeys.assetUri(settings.processedBase(), md5, template.id(), template.version(), type.code());
            try {
                ObjectStore.write(uri, png);
            } catch (IOException e) {
                throw new ImageRejectedException(FailureClass.IO_ERROR, "cannot write " + uri + ": " + e.getMessage(), e);
            }
            records.add(new AssetRecord(type.code(), uri, width, height, png.length, records.isEmpty()));
        }
        return records.toArray(new AssetRecord[0]);
    }

    private InferenceResult result(InferenceRequest request, long startedAt, String status, FailureClass failureClass,
            String message, int inferenceMs, ImageDecoder.Decoded decoded, AssetRecord[] assets) {
        return new InferenceResult(request.md5(), request.url(), request.sizeBytes(), template.id(), template.version(),
                template.toJson(), runner.profile().name(), runner.modelSha256(), status,
                failureClass == null ? null : failureClass.code(), message, startedAt, System.currentTimeMillis(),
                inferenceMs, workerNode, runner.executionProvider(),
                decoded == null ? null : decoded.image().getWidth(), decoded == null ? null : decoded.image().getHeight(),
                decoded == null ? null : decoded.format(), assets);
    }
}
