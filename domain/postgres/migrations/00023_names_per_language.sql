-- +goose Up
-- A club plan may name a template, result, field, dictionary, dictionary
-- value or funnel stage per language ({ru: …, uk: …, en: …}); each person reads
-- their own (domain.Names). name stays the name in the club's language, the
-- fallback; names holds every language the plan gave, {} for a plain name.
ALTER TABLE templates ADD COLUMN names jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object');
ALTER TABLE results ADD COLUMN names jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object');
ALTER TABLE result_fields ADD COLUMN names jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object');
ALTER TABLE dictionaries ADD COLUMN names jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object');
ALTER TABLE dictionary_values ADD COLUMN names jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object');
ALTER TABLE funnel_stages ADD COLUMN names jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object');

-- +goose Down
ALTER TABLE funnel_stages DROP COLUMN names;
ALTER TABLE dictionary_values DROP COLUMN names;
ALTER TABLE dictionaries DROP COLUMN names;
ALTER TABLE result_fields DROP COLUMN names;
ALTER TABLE results DROP COLUMN names;
ALTER TABLE templates DROP COLUMN names;
