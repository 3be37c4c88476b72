package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/clubcrm/clubcrm/domain"
)

// namesStep writes the names the plan gives per language (domain.Names)
// beside each item's name, after every other step has settled the keys
// (renames included). A name written once for all languages stores {}, so a
// plan without translations writes nothing here, and re-applying any plan
// writes only what differs.
func (a *planApplier) namesStep(ctx context.Context) error {
	p := a.p
	var dicts, results, templates, stages namesBatch
	var values, fields namesBatch
	for _, d := range p.Dictionaries {
		dicts.add("dictionary "+d.Key, "", d.Key, d.Names)
		for _, v := range d.Values {
			values.add("value "+d.Key+"."+v.Key, d.Key, v.Key, v.Names)
		}
	}
	for _, r := range p.Results {
		results.add("result "+r.Key, "", r.Key, r.Names)
		for _, f := range r.Fields {
			fields.add("field "+r.Key+"."+f.Key, r.Key, f.Key, f.Names)
		}
	}
	for _, t := range p.Templates {
		templates.add("template "+t.Key, "", t.Key, t.Names)
	}
	for _, s := range p.Funnel {
		stages.add("funnel stage "+s.Key, "", s.Key, s.Names)
	}
	// $1 club, $2 parent keys (unused for top-level items), $3 keys, $4 names.
	const top = `
UPDATE %[1]s x SET names = n.names
FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS n(parent, key, names)
WHERE x.club_id = $1 AND x.key = n.key AND x.names <> n.names
RETURNING x.key`
	for _, step := range []struct {
		batch namesBatch
		sql   string
	}{
		{dicts, fmt.Sprintf(top, "dictionaries")},
		{results, fmt.Sprintf(top, "results")},
		{templates, fmt.Sprintf(top, "templates")},
		{stages, fmt.Sprintf(top, "funnel_stages")},
		{values, `
UPDATE dictionary_values x SET names = n.names
FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS n(parent, key, names)
JOIN dictionaries d ON d.club_id = $1 AND d.key = n.parent
WHERE x.club_id = $1 AND x.dictionary_id = d.id AND x.key = n.key AND x.names <> n.names
RETURNING d.key || '.' || x.key`},
		{fields, `
UPDATE result_fields x SET names = n.names
FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS n(parent, key, names)
JOIN results r ON r.club_id = $1 AND r.key = n.parent
WHERE x.club_id = $1 AND x.result_id = r.id AND x.key = n.key AND x.names <> n.names
RETURNING r.key || '.' || x.key`},
	} {
		if err := a.writeNames(ctx, step.batch, step.sql); err != nil {
			return err
		}
	}
	return nil
}

// namesBatch is one table's items: their change-line names, parent keys,
// keys and names as JSON.
type namesBatch struct {
	what, parents, keys, names []string
}

func (b *namesBatch) add(what, parent, key string, names domain.Names) {
	if key == "" {
		return
	}
	js := []byte("{}")
	if len(names) > 0 {
		js, _ = json.Marshal(names) // a map of strings always marshals
	}
	b.what = append(b.what, what)
	b.parents = append(b.parents, parent)
	b.keys = append(b.keys, key)
	b.names = append(b.names, string(js))
}

func (a *planApplier) writeNames(ctx context.Context, b namesBatch, sql string) error {
	if len(b.keys) == 0 {
		return nil
	}
	rows, err := a.tx.Query(ctx, sql, a.clubID, b.parents, b.keys, b.names)
	if err != nil {
		return fmt.Errorf("names: %w", mapErr(err))
	}
	changed := map[string]bool{}
	var k string
	for rows.Next() {
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return fmt.Errorf("names: %w", mapErr(err))
		}
		changed[k] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("names: %w", mapErr(err))
	}
	for i, key := range b.keys {
		if b.parents[i] != "" {
			key = b.parents[i] + "." + key
		}
		if changed[key] {
			a.namesChanged(b.what[i])
		}
	}
	return nil
}

// namesChanged adds "names changed" to the item's change line, or a line of
// its own; an item just created says so and nothing more.
func (a *planApplier) namesChanged(what string) {
	for i, l := range a.lines {
		if rest, ok := strings.CutPrefix(l, what+": "); ok {
			if rest != "created" {
				a.lines[i] = l + ", names changed"
			}
			return
		}
	}
	a.change(what, []string{"names changed"})
}
