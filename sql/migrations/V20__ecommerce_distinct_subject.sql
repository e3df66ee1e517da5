-- Version 20: the shipped ecommerce-high-precision also runs distinct_subject (V19): when the model takes the photo's
-- own objects with the product (a table of cups, a row of boats), only the product the zoomed second look confirms is
-- kept. Lifestyle shots gain (mean IoU +0.08 to +0.21 on four placements), and the border-touching packshots a shop
-- photographs keep the bare mask (no image the bare model gets right loses; docs/benchmarks.md, "distinct_subject").
--
-- Templates are history: this is the next version of the latest one, distinct_subject added to its steps, everything
-- else as it was.
--
-- Citus: param_templates is a reference table; one INSERT ... SELECT, the form V12, V17 and V18 use.

INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description, composition,
                             refinement)
SELECT template_id, version + 1, model_profile, alpha_threshold, assets,
       coalesce(description || '; ', '') || 'in a lifestyle shot, the product alone where the model also took the scene''s own objects',
       composition, refinement || ARRAY['distinct_subject']
FROM param_templates
WHERE template_id = 'ecommerce-high-precision'
ORDER BY version DESC
LIMIT 1;
