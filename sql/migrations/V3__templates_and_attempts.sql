-- Version 3: versioned parameter templates, retry accounting, and the foreground_only asset's bounding box.

-- Templates are history: a change is a new version, never an edit. Under Citus this is a reference table
-- (replicated to every node; small), see sql/citus/distribute.sql.
CREATE TABLE param_templates (
    template_id      text        NOT NULL CHECK (template_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    version          integer     NOT NULL CHECK (version >= 1),
    model_profile    text        NOT NULL,
    alpha_threshold  real        CHECK (alpha_threshold IS NULL OR alpha_threshold BETWEEN 0 AND 1),
    assets           text[]      NOT NULL CHECK (cardinality(assets) > 0
                                     AND assets <@ ARRAY['alpha_mask', 'transparent_png', 'foreground_only']),
    description      text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (template_id, version)
);

COMMENT ON TABLE param_templates IS 'Versioned parameter templates; processing_jobs names the (template_id, version) it ran with. Rows are never updated or deleted';
COMMENT ON COLUMN param_templates.template_id IS 'Template name, e.g. ecommerce-high-precision';
COMMENT ON COLUMN param_templates.version IS 'Version; a changed template is inserted as version + 1';
COMMENT ON COLUMN param_templates.model_profile IS 'Model profile the template was tuned for (e.g. isnet-medium); a job only runs templates of its own model';
COMMENT ON COLUMN param_templates.alpha_threshold IS 'NULL: soft alpha (the model probability); otherwise pixels at or above it are opaque, the rest transparent';
COMMENT ON COLUMN param_templates.assets IS 'Assets produced, the first being the primary one: alpha_mask, transparent_png, foreground_only';
COMMENT ON COLUMN param_templates.description IS 'What the template is for';
COMMENT ON COLUMN param_templates.created_at IS 'When this version was created';

CREATE FUNCTION param_templates_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'param_templates rows are history: insert version % + 1 of % instead of changing version %',
        OLD.version, OLD.template_id, OLD.version USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER param_templates_immutable BEFORE UPDATE OR DELETE ON param_templates
    FOR EACH ROW EXECUTE FUNCTION param_templates_are_immutable();

INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description) VALUES
    ('default', 1, 'isnet-medium', NULL, ARRAY['transparent_png', 'alpha_mask'],
     'Soft alpha; transparent PNG (primary) and the alpha mask'),
    ('ecommerce-high-precision', 1, 'isnet-medium', NULL, ARRAY['transparent_png', 'alpha_mask', 'foreground_only'],
     'Product shots: soft alpha, every asset including the cut-out cropped to its bounding box'),
    ('social-fast', 1, 'isnet-medium', 0.5, ARRAY['transparent_png'],
     'Hard 0.5 threshold, one transparent PNG');

ALTER TABLE processing_jobs ADD COLUMN attempts integer NOT NULL DEFAULT 1;
COMMENT ON COLUMN processing_jobs.attempts IS 'Attempts made; a transient failure (io_error, model_error) is retried and marked needs_manual_review after 3';

ALTER TABLE result_assets
    ADD COLUMN bbox_x integer,
    ADD COLUMN bbox_y integer,
    ADD COLUMN bbox_width integer,
    ADD COLUMN bbox_height integer;
COMMENT ON COLUMN result_assets.bbox_x IS 'foreground_only: left edge of the cut-out in the original image (pixels)';
COMMENT ON COLUMN result_assets.bbox_y IS 'foreground_only: top edge of the cut-out in the original image (pixels)';
COMMENT ON COLUMN result_assets.bbox_width IS 'foreground_only: width of the bounding box (pixels)';
COMMENT ON COLUMN result_assets.bbox_height IS 'foreground_only: height of the bounding box (pixels)';

COMMENT ON COLUMN processing_jobs.error_class IS 'Failure class: empty, undecodable, unsupported_format, too_large, content_changed, vanished, io_error, timeout, model_error';
