-- Version 18: every shipped template (default, ecommerce-high-precision, social-fast) also writes the two 256 px
-- thumbnails V11 allowed: 'thumbnail' (the cut-out, RGBA PNG) and 'original_thumbnail' (the original, JPEG), so the
-- console's search cards and failures page load a few KB per row instead of the full files (issue 22: 100 rows
-- 0.60 MB instead of 18 MB, docs/benchmarks.md "Failures page in a browser").
--
-- Templates are history: this is the next version of the latest one of each, its assets with the two thumbnails
-- added at the end where missing (the primary asset stays first), everything else as it was. Contents done under an
-- earlier version keep their rows and files; a run that names a template by id uses its latest version, so contents
-- processed from now on get the thumbnails (bin/cutflow reprocess gives them to older ones).
--
-- Citus: param_templates is a reference table (sql/citus/distribute.sql); one INSERT ... SELECT per template, the
-- form V12 and V17 use, without subqueries.

INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description, composition,
                             refinement)
SELECT template_id, version + 1, model_profile, alpha_threshold,
       assets || CASE WHEN 'thumbnail' = ANY (assets) THEN '{}'::text[] ELSE ARRAY['thumbnail'] END
              || CASE WHEN 'original_thumbnail' = ANY (assets) THEN '{}'::text[] ELSE ARRAY['original_thumbnail'] END,
       coalesce(description || '; ', '') || '256 px thumbnails of the cut-out and the original for the console',
       composition, refinement
FROM param_templates
WHERE template_id = 'default'
ORDER BY version DESC
LIMIT 1;

INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description, composition,
                             refinement)
SELECT template_id, version + 1, model_profile, alpha_threshold,
       assets || CASE WHEN 'thumbnail' = ANY (assets) THEN '{}'::text[] ELSE ARRAY['thumbnail'] END
              || CASE WHEN 'original_thumbnail' = ANY (assets) THEN '{}'::text[] ELSE ARRAY['original_thumbnail'] END,
       coalesce(description || '; ', '') || '256 px thumbnails of the cut-out and the original for the console',
       composition, refinement
FROM param_templates
WHERE template_id = 'ecommerce-high-precision'
ORDER BY version DESC
LIMIT 1;

INSERT INTO param_templates (template_id, version, model_profile, alpha_threshold, assets, description, composition,
                             refinement)
SELECT template_id, version + 1, model_profile, alpha_threshold,
       assets || CASE WHEN 'thumbnail' = ANY (assets) THEN '{}'::text[] ELSE ARRAY['thumbnail'] END
              || CASE WHEN 'original_thumbnail' = ANY (assets) THEN '{}'::text[] ELSE ARRAY['original_thumbnail'] END,
       coalesce(description || '; ', '') || '256 px thumbnails of the cut-out and the original for the console',
       composition, refinement
FROM param_templates
WHERE template_id = 'social-fast'
ORDER BY version DESC
LIMIT 1;
