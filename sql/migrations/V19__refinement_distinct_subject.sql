-- Version 19: one more refinement step a template may turn on (issue 24): distinct_subject (when the coarse
-- foreground runs out of the frame, the scene's own objects taken too, its regions of distinct colour are looked at
-- again zoomed and only the objects that second look confirms are kept). Its cost and quality: docs/benchmarks.md.
--
-- Citus: param_templates is a reference table; one ADD CONSTRAINT per ALTER TABLE (sql/citus/distribute.sql). The
-- constraint keeps V12's name.

ALTER TABLE param_templates DROP CONSTRAINT IF EXISTS param_templates_refinement_check;
ALTER TABLE param_templates ADD CONSTRAINT param_templates_refinement_check CHECK (
    refinement <@ ARRAY['guided_upsample', 'foreground_colour', 'zoom_pass', 'flip_average', 'distinct_subject']);
COMMENT ON COLUMN param_templates.refinement IS 'Steps after the model, none by default: guided_upsample (the mask brought to full size by a guided filter steered by the image), foreground_colour (the edge band''s colours without the old background), zoom_pass (when the subject is small in the frame, the candidate regions run again cropped at full size, the product-like one kept), flip_average (the mask averaged with the mirrored image''s: one more inference), distinct_subject (when the coarse foreground runs out of the frame, its regions of distinct colour run again cropped at full size, only the objects that look confirms kept)';
