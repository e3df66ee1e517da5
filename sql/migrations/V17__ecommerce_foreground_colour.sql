-- Version 17: the shipped ecommerce-high-precision also estimates the foreground colour in the edge band
-- (foreground_colour), so its transparent PNG and its white square carry no halo of the old background: on the
-- lifestyle set the halo measure falls from 17.4 to 12.1 (-31 %), on the 40 composites from 12.8 to 8.4 (-35 %), at
-- 1.03x-1.33x the bare model's CPU time per image (docs/benchmarks.md, "Refinement"). zoom_pass and flip_average
-- stay off: neither paid on those sets.
--
-- Templates are history: this is the next version of the latest one, everything else as it was.

INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description, composition,
                             refinement)
SELECT template_id, version + 1, model_profile, alpha_threshold, assets,
       'Product shots: soft alpha, guided upsampling, foreground colours without the old background''s halo, every asset, and the product on a pure white 2000x2000 square JPEG (5 % margin) for marketplaces',
       composition, ARRAY['guided_upsample', 'foreground_colour']
FROM param_templates
WHERE template_id = 'ecommerce-high-precision'
ORDER BY version DESC
LIMIT 1;
