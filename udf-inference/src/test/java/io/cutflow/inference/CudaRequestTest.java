package io.cutflow.inference;

import io.cutflow.inference.model.ExecutionProvider;
import io.cutflow.inference.model.ModelException;
import io.cutflow.inference.model.ModelProfile;
import io.cutflow.inference.model.SharedModelRunners;
import io.cutflow.inference.testing.TestImages;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Asking for CUDA where it cannot load fails loudly, naming what is missing: never a silent CPU fallback. */
class CudaRequestTest {

    @Test
    void cudaWithoutTheCudaRuntimeFailsWithTheMissingLibraryNamed() {
        ModelException e = catchThrowableOfType(() -> SharedModelRunners.acquire(TestImages.modelPath(),
                ModelProfile.isnet("isnet-medium"), ExecutionProvider.cuda(0), 1), ModelException.class);
        assertThat(e).as("CUDA must not silently fall back to the CPU here").isNotNull();
        assertThat(e.getMessage()).contains("CUDA was requested (cuda:0)").contains("libonnxruntime_providers_cuda.so");
        System.out.println("CUDA refusal: " + e.getMessage());
    }
}
