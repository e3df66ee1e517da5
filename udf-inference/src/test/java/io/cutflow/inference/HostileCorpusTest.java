package io.cutflow.inference;

import io.cutflow.inference.image.ImageDecoder;
import io.cutflow.inference.testing.HostileCorpus;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every kind of the corpus decodes, or is refused with its class, before any model is involved. */
class HostileCorpusTest {

    @Test
    void everyKindDecodesUprightOrIsRefusedWithItsClass() throws Exception {
        long cap = 1 << 20;
        Map<String, HostileCorpus.Case> corpus = HostileCorpus.build(cap);
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(20);
        ImageDecoder decoder = new ImageDecoder(50_000_000L);
        for (Map.Entry<String, HostileCorpus.Case> entry : corpus.entrySet()) {
            HostileCorpus.Case c = entry.getValue();
            if (c.bytes().length > cap) {
                continue; // the size cap is enforced when reading the object, not by the decoder
            }
            if (c.good()) {
                ImageDecoder.Decoded decoded = decoder.decode(c.bytes());
                assertThat(decoded.image().getWidth()).as(entry.getKey()).isEqualTo(c.width());
                assertThat(decoded.image().getHeight()).as(entry.getKey()).isEqualTo(c.height());
                assertThat(decoded.truncation() != null).as(entry.getKey() + " decodes with a truncation warning")
                        .isEqualTo("truncated".equals(c.review()));
            } else {
                ImageRejectedException e = catchThrowableOfType(() -> decoder.decode(c.bytes()), ImageRejectedException.class);
                assertThat(e).as(entry.getKey() + " must be refused").isNotNull();
                assertThat(e.failureClass().code()).as(entry.getKey() + ": " + e.getMessage()).isEqualTo(c.expectedClass());
                assertThat(e.getMessage()).as(entry.getKey()).isNotBlank();
            }
        }
    }
}
