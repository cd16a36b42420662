package feed

import (
	"encoding/json"
	"io"
	"iter"
	"strings"

	"github.com/sift-intel/sift/match"
)

// stixObject holds the properties of STIX objects that sift reads.
type stixObject struct {
	Type           string   `json:"type"`
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	Revoked        jsonBool `json:"revoked"`
	Confidence     jsonText `json:"confidence"`
	Labels         []string `json:"labels"`
	IndicatorTypes []string `json:"indicator_types"`
	CreatedByRef   string   `json:"created_by_ref"`
	ExternalRefs   []struct {
		URL string `json:"url"`
	} `json:"external_references"`
	// relationship
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
}

type stixEntry struct {
	obj  stixObject
	line int
}

// parseSTIX reads a STIX 2.0 or 2.1 bundle (or a lone indicator object,
// or an array of objects). Each indicator object with pattern_type stix
// (or none, as in STIX 2.0) yields the indicators its pattern maps onto;
// see the package documentation for the mapping and what is skipped.
func parseSTIX(r io.Reader, src Source) iter.Seq[item] {
	return parseDoc(r, src, func(d *jsonDoc, yield func(item) bool) error {
		var objs []stixEntry
		one := func(start int) error {
			var o stixObject
			bad, err := d.decode(&o)
			if err != nil {
				return err
			}
			if bad != nil {
				if !yield(item{line: bad.Line, err: bad}) {
					return errStop
				}
				return nil
			}
			objs = append(objs, stixEntry{o, d.lineAt(start)})
			return nil
		}
		switch d.peek() {
		case '[':
			if err := d.array(one); err != nil {
				return err
			}
		case '{':
			// A bundle, or one object: read the top level key by key,
			// walking "objects" element by element for their lines.
			var top stixObject
			topRaw := map[string]json.RawMessage{}
			err := d.object(func(key string) error {
				if key == "objects" && d.peek() == '[' {
					return d.array(one)
				}
				var raw json.RawMessage
				if bad, err := d.decode(&raw); err != nil || bad != nil {
					if err != nil {
						return err
					}
					return bad
				}
				topRaw[key] = raw
				return nil
			})
			if err != nil {
				return err
			}
			if b, err := json.Marshal(topRaw); err == nil {
				_ = json.Unmarshal(b, &top)
			}
			if top.Type != "bundle" && top.Type != "" {
				objs = append(objs, stixEntry{top, 1})
			}
		default:
			return d.errAt(d.next(), malformed("not a STIX bundle: expected a JSON object"))
		}
		if d.peek() != 0 {
			return d.errAt(d.next(), malformed("unexpected data after the STIX bundle"))
		}
		return emitSTIX(objs, d, yield)
	})
}

func emitSTIX(objs []stixEntry, d *jsonDoc, yield func(item) bool) error {
	src := d.src
	names := map[string]string{}     // identities, malware, threat actors, … by id
	indicates := map[string]string{} // indicator id → the first object it indicates
	for _, e := range objs {
		o := &e.obj
		switch o.Type {
		case "identity", "malware", "threat-actor", "intrusion-set", "campaign", "tool", "infrastructure":
			if o.Name != "" {
				names[o.ID] = o.Name
			}
		case "relationship":
			if o.RelationshipType == "indicates" {
				if _, ok := indicates[o.SourceRef]; !ok {
					indicates[o.SourceRef] = o.TargetRef
				}
			}
		}
	}
	for _, e := range objs {
		o := &e.obj
		if o.Type != "indicator" {
			continue
		}
		out := &lineOut{src: src, n: e.line, text: []byte(o.Pattern)}
		stixIndicator(o, src, names, indicates, out)
		for _, it := range out.items {
			if !yield(it) {
				return errStop
			}
		}
	}
	return nil
}

func stixIndicator(o *stixObject, src Source, names, indicates map[string]string, out *lineOut) {
	if o.Revoked {
		out.skip(skip("revoked"))
		return
	}
	if pt := strings.ToLower(o.PatternType); pt != "" && pt != "stix" {
		out.skip(skip("pattern_type " + pt + " is not loaded: only STIX patterns map onto indicators"))
		return
	}
	if o.Pattern == "" {
		out.skip(skip("an indicator without a pattern"))
		return
	}
	alts, err := parseStixPattern(o.Pattern)
	if err != nil {
		out.skip(err)
		return
	}
	ind := src.indicator()
	src.named(&ind, names[o.CreatedByRef])
	if src.Meta.Category == "" {
		switch {
		case names[indicates[o.ID]] != "":
			ind.Category = names[indicates[o.ID]]
		case len(o.IndicatorTypes) > 0:
			ind.Category = o.IndicatorTypes[0]
		case len(o.Labels) > 0:
			ind.Category = o.Labels[0]
		}
	}
	ind.Tags = addTags(ind.Tags, o.IndicatorTypes...)
	ind.Tags = addTags(ind.Tags, o.Labels...)
	if c, ok := confidence(string(o.Confidence)); ok {
		ind.Confidence = c
	}
	ind.FirstSeen = orTime(parseTime(o.ValidFrom), ind.FirstSeen)
	ind.Expires = orTime(parseTime(o.ValidUntil), ind.Expires)
	for _, r := range o.ExternalRefs {
		if r.URL != "" {
			ind.Reference = r.URL
			break
		}
	}
	switch {
	case o.Name != "":
		ind.Description = o.Name
	case o.Description != "":
		ind.Description = o.Description
	}
	for _, a := range alts {
		targets, reason := mapAlt(a)
		if reason != "" {
			out.skip(skip(reason))
			continue
		}
		for _, t := range targets {
			i := ind
			i.Kind, i.Value = t.kind, t.value
			out.add(i)
		}
	}
	_ = match.KindUnknown
}
