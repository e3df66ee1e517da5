-- Version 16: two more refinement steps a template may turn on (issue 24): zoom_pass (a second, zoomed look at the
-- candidate regions when the subject is small in the frame) and flip_average (the model also sees the image
-- mirrored; the two masks are averaged). Their cost and quality per step: docs/benchmarks.md.
--
-- Citus: param_templates is a reference table; one ADD CONSTRAINT per ALTER TABLE (sql/citus/distribute.sql). The
-- constraint keeps V12's name.

ALTER TABLE param_templates DROP CONSTRAINT IF EXISTS param_templates_refinement_check;
ALTER TABLE param_templates ADD CONSTRAINT param_templates_refinement_check CHECK (
    refinement <@ ARRAY['guided_upsample', 'foreground_colour', 'zoom_pass', 'flip_average']);
COMMENT ON COLUMN param_templates.refinement IS 'Steps after the model, none by default: guided_upsample (the mask brought to full size by a guided filter steered by the image), foreground_colour (the edge band''s colours without the old background), zoom_pass (when the subject is small in the frame, the candidate regions run again cropped at full size, the product-like one kept), flip_average (the mask averaged with the mirrored image''s: one more inference)';
