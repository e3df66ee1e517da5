package io.cutflow.inference.assets;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Generation keys stay in the content's folder: every part validated, none can leave the prefix. */
class AssetKeysTest {

    private static final String MD5 = "0123456789abcdef0123456789abcdef";

    @Test
    void aGenerationKeyIsTheDeterministicKeyWithItsGenerationBeforeTheExtension() {
        String key = AssetKeys.generationUri("s3://processed/p/", MD5, "default", 2, "alpha_mask", "00ff00ff00ff00ff", "png");
        assertThat(key).isEqualTo("s3://processed/p/01/" + MD5 + "/default-v2/alpha_mask.00ff00ff00ff00ff.png");
        assertThat(key.substring(0, key.lastIndexOf('/'))).isEqualTo(AssetKeys.folder("s3://processed/p", MD5, "default", 2));
        assertThat(AssetKeys.isGenerationKey(key)).isTrue();
        assertThat(AssetKeys.isGenerationKey(AssetKeys.assetUri("s3://processed/p", MD5, "default", 2, "alpha_mask"))).isFalse();
    }

    @Test
    void aGenerationThatIsNotSixteenLowercaseHexDigitsIsRefused() {
        for (String bad : List.of("../../etc/x", "00FF00FF00FF00FF", "00ff", "00ff00ff00ff00ff/..", "")) {
            assertThatThrownBy(() -> AssetKeys.generationUri("s3://processed/p", MD5, "default", 1, "alpha_mask", bad, "png"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> AssetKeys.generationUri("s3://processed/p", MD5, "../x", 1, "alpha_mask",
                "00ff00ff00ff00ff", "png")).isInstanceOf(IllegalArgumentException.class);
    }
}
