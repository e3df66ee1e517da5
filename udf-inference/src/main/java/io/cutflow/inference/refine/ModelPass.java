package io.cutflow.inference.refine;

import io.cutflow.inference.image.MaskTranslator;
import io.cutflow.inference.model.ModelException;
import io.cutflow.inference.model.ModelRunner;

import java.awt.image.BufferedImage;

/**
 * One look of the model at an image: its activated mask in [0,1] at the model's resolution. The handle the steps that
 * look again (the zoomed pass, flip averaging) are given, so they need neither the runner nor the translator.
 */
public final class ModelPass {

    private final ModelRunner runner;
    private final MaskTranslator translator;

    public ModelPass(ModelRunner runner) {
        this.runner = runner;
        this.translator = new MaskTranslator(runner.profile());
    }

    /** The model's mask of the image stretched to its input size, {@link #width()} x {@link #height()}. */
    public float[] mask(BufferedImage image) throws ModelException {
        return translator.activate(runner.run(translator.toInput(image)));
    }

    public int width() {
        return runner.profile().inputWidth();
    }

    public int height() {
        return runner.profile().inputHeight();
    }
}
