-- Version 12: compositions and refinement (issue 24): a template can write the cut-out placed on a canvas a shop
-- publishes (asset type 'composite'), its parameters in param_templates.composition, and turn on refinement steps
-- (param_templates.refinement); ecommerce-high-precision's next version writes a white 2000x2000 square JPEG.
--
-- Citus: param_templates is a reference table and result_assets a distributed one on existing Citus databases: every
-- statement here is DDL Citus propagates, with one ADD CONSTRAINT per ALTER TABLE (sql/citus/distribute.sql). The
-- CHECK constraints are PostgreSQL's automatic names from V1 and V3 (V11 drops and re-adds them under the same names
-- to allow 'thumbnail' and 'original_thumbnail'; this list keeps those two).

ALTER TABLE param_templates ADD COLUMN composition jsonb;
COMMENT ON COLUMN param_templates.composition IS 'The composite asset''s canvas (present exactly when assets lists composite), text values: canvas (WxH pixels or W:H aspect), margin (N% of the canvas side or Npx), scale (N% of the space inside the margins), position (center or "X% Y%"), background (transparent or #RRGGBB), shadow (none, drop, contact), shadow_opacity (0..100), format (png, jpeg; webp is refused: no writer), quality (1..100, jpeg)';

ALTER TABLE param_templates ADD COLUMN refinement text[] NOT NULL DEFAULT '{}';
COMMENT ON COLUMN param_templates.refinement IS 'Steps after the model, none by default: guided_upsample (the mask brought to full size by a guided filter steered by the image), foreground_colour (the edge band''s colours without the old background)';
ALTER TABLE param_templates ADD CONSTRAINT param_templates_refinement_check CHECK (
    refinement <@ ARRAY['guided_upsample', 'foreground_colour']);

ALTER TABLE param_templates DROP CONSTRAINT IF EXISTS param_templates_assets_check;
ALTER TABLE param_templates ADD CONSTRAINT param_templates_assets_check CHECK (cardinality(assets) > 0
    AND assets <@ ARRAY['alpha_mask', 'transparent_png', 'foreground_only', 'thumbnail', 'original_thumbnail', 'composite']);
ALTER TABLE param_templates ADD CONSTRAINT param_templates_composition_check CHECK (
    (composition IS NOT NULL) = ('composite' = ANY (assets))
    AND (composition IS NULL OR jsonb_typeof(composition) = 'object'));
COMMENT ON COLUMN param_templates.assets IS 'Assets produced, the first being the primary one: alpha_mask, transparent_png, foreground_only, thumbnail, original_thumbnail, composite';

ALTER TABLE result_assets DROP CONSTRAINT IF EXISTS result_assets_asset_type_check;
ALTER TABLE result_assets ADD CONSTRAINT result_assets_asset_type_check CHECK (asset_type IN ('alpha_mask',
    'transparent_png', 'foreground_only', 'thumbnail', 'original_thumbnail', 'composite'));
COMMENT ON COLUMN result_assets.asset_type IS 'alpha_mask (8-bit grey PNG), transparent_png (RGBA PNG), foreground_only (cropped cut-out), thumbnail, original_thumbnail, composite (the cut-out on the template''s canvas: PNG or JPEG, composite.png / composite.jpg)';

-- the next version of the latest ecommerce-high-precision: its assets (whatever V11 added) plus the composite
-- with the mask brought to full size by the guided filter (docs/benchmarks.md: no loss on the 40-image set)
INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description, composition,
                             refinement)
SELECT template_id, version + 1, model_profile, alpha_threshold, assets || ARRAY['composite'],
       'Product shots: soft alpha, guided upsampling, every asset, and the product on a pure white 2000x2000 square JPEG (5 % margin) for marketplaces',
       '{"canvas": "2000x2000", "margin": "5%", "position": "center", "background": "#FFFFFF", "shadow": "none",
         "format": "jpeg", "quality": "92"}'::jsonb,
       ARRAY['guided_upsample']
FROM param_templates
WHERE template_id = 'ecommerce-high-precision'
ORDER BY version DESC
LIMIT 1;
