package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sift-intel/sift/match"
)

type mispTag struct {
	Name string `json:"name"`
}

type mispAttr struct {
	Type      string    `json:"type"`
	Category  string    `json:"category"`
	Value     jsonText  `json:"value"`
	ToIDS     jsonBool  `json:"to_ids"`
	Deleted   jsonBool  `json:"deleted"`
	Comment   string    `json:"comment"`
	FirstSeen jsonText  `json:"first_seen"`
	LastSeen  jsonText  `json:"last_seen"`
	Tag       []mispTag `json:"Tag"`
}

type mispAttrAt struct {
	mispAttr
	line    int
	deleted bool // its object is deleted
}

// mispEvent is what sift reads of an event besides its attributes.
type mispEvent struct {
	Info        jsonText
	Date        jsonText
	ThreatLevel jsonText
	Orgc        struct {
		Name string `json:"name"`
	}
	Tags  []mispTag
	attrs []mispAttrAt
	line  int
}

// mispSeverity maps threat_level_id onto a severity.
var mispSeverity = map[string]match.Severity{"1": match.SeverityHigh, "2": match.SeverityMedium, "3": match.SeverityLow, "4": match.SeverityUnknown}

// mispGalaxies are the galaxies whose cluster names a threat: the first
// event tag from one of them is the category.
var mispGalaxies = []string{
	"threat-actor", "malpedia", "mitre-intrusion-set", "mitre-malware", "ransomware", "botnet",
	"rat", "banker", "stealer", "backdoor", "tool", "mitre-tool", "exploit-kit", "android",
}

// parseMISP reads a MISP event export: {"Event": …}, {"response":
// [{"Event": …}, …]}, or an array of {"Event": …}. A MISP feed is a
// directory (manifest.json, events, hashes.csv): LoadFile reads it.
func parseMISP(r io.Reader, src Source) iter.Seq[item] {
	return parseDoc(r, src, func(d *jsonDoc, yield func(item) bool) error {
		return d.walkMISP(yield)
	})
}

var (
	uuidKey     = regexp.MustCompile(`^\s*\{\s*"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"\s*:`)
	hashesCSVRe = regexp.MustCompile(`^[0-9a-fA-F]{32},[0-9a-fA-F-]{36}\r?$`)
)

func (d *jsonDoc) walkMISP(yield func(item) bool) error {
	switch d.peek() {
	case '{':
		if uuidKey.Match(d.data[:min(len(d.data), 256)]) {
			return d.errAt(d.next(), malformed("a MISP feed manifest lists event files: load the feed directory (or this manifest.json) with LoadFile"))
		}
		found := false
		err := d.object(func(key string) error {
			switch key {
			case "Event":
				found = true
				return d.mispEvent(yield)
			case "response":
				found = true
				return d.mispResponse(yield)
			}
			return d.skip()
		})
		if err == nil && !found {
			return d.errAt(0, malformed("not a MISP event: no \"Event\" or \"response\" key"))
		}
		if err == nil && d.peek() != 0 {
			return d.errAt(d.next(), malformed("unexpected data after the MISP event"))
		}
		return err
	case '[':
		err := d.mispResponse(yield)
		if err == nil && d.peek() != 0 {
			return d.errAt(d.next(), malformed("unexpected data after the MISP events"))
		}
		return err
	}
	first, _, _ := bytes.Cut(d.data, []byte{'\n'})
	if hashesCSVRe.Match(first) {
		return d.errAt(0, malformed("the hashes.csv of a MISP feed holds digests of attribute values, not indicators: load the feed directory"))
	}
	return d.errAt(d.next(), malformed("not a MISP event: expected a JSON object"))
}

// mispResponse reads an array of {"Event": …} objects, or one.
func (d *jsonDoc) mispResponse(yield func(item) bool) error {
	one := func(int) error {
		if d.peek() != '{' {
			return d.skip()
		}
		return d.object(func(key string) error {
			if key == "Event" {
				return d.mispEvent(yield)
			}
			return d.skip()
		})
	}
	if d.peek() == '[' {
		return d.array(one)
	}
	return one(0)
}

// mispEvent reads one event object and yields its indicators once the
// whole event is read: an event is loaded whole or not at all.
func (d *jsonDoc) mispEvent(yield func(item) bool) error {
	ev := &mispEvent{line: d.lineAt(d.next())}
	bad := func(b *LineError, err error) error {
		if err != nil {
			return err
		}
		if b != nil && !yield(item{file: d.file, line: b.Line, err: b}) {
			return errStop
		}
		return nil
	}
	attrs := func(deleted bool) error {
		if d.peek() != '[' {
			return d.skip()
		}
		return d.array(func(start int) error {
			var a mispAttr
			b, err := d.decode(&a)
			if err != nil || b != nil {
				return bad(b, err)
			}
			ev.attrs = append(ev.attrs, mispAttrAt{a, d.lineAt(start), deleted})
			return nil
		})
	}
	err := d.object(func(key string) error {
		switch key {
		case "Attribute":
			return attrs(false)
		case "Object":
			if d.peek() != '[' {
				return d.skip()
			}
			return d.array(func(int) error {
				if d.peek() != '{' {
					return d.skip()
				}
				var deleted jsonBool
				return d.object(func(key string) error {
					switch key {
					case "Attribute":
						return attrs(bool(deleted))
					case "deleted":
						return bad(d.decode(&deleted))
					}
					return d.skip()
				})
			})
		case "Tag":
			return bad(d.decode(&ev.Tags))
		case "Orgc":
			return bad(d.decode(&ev.Orgc))
		case "info":
			return bad(d.decode(&ev.Info))
		case "date":
			return bad(d.decode(&ev.Date))
		case "threat_level_id":
			return bad(d.decode(&ev.ThreatLevel))
		}
		return d.skip()
	})
	if err != nil {
		return err
	}
	out := &lineOut{src: d.src, file: d.file}
	for _, it := range ev.items(d.src, out) {
		if !yield(it) {
			return errStop
		}
	}
	return nil
}

// items maps the event's attributes onto indicators.
func (ev *mispEvent) items(src Source, out *lineOut) []item {
	base := src.indicator()
	src.named(&base, ev.Orgc.Name)
	info := strings.TrimSpace(string(ev.Info))
	if src.Meta.Category == "" {
		base.Category = info
		for _, g := range mispGalaxies {
			if c := galaxyCluster(ev.Tags, g); c != "" {
				base.Category = c
				break
			}
		}
	}
	if sev, ok := mispSeverity[strings.TrimSpace(string(ev.ThreatLevel))]; ok && src.Meta.Severity == match.SeverityUnknown {
		base.Severity = sev
	}
	for _, t := range ev.Tags {
		base.Tags = addTags(base.Tags, t.Name)
	}
	if info != "" && src.Meta.Description == "" {
		base.Description = info
	}
	if src.Meta.Reference == "" {
		for _, a := range ev.attrs {
			if a.Type == "link" && !bool(a.Deleted) && !a.deleted && a.Value != "" {
				base.Reference = string(a.Value)
				break
			}
		}
	}
	base.FirstSeen = orTime(parseTime(string(ev.Date)), base.FirstSeen)
	for _, a := range ev.attrs {
		out.n, out.text = a.line, []byte(a.Value)
		mispAttribute(&a, base, src, out)
	}
	return out.items
}

// galaxyCluster returns the cluster of the first tag
// misp-galaxy:GALAXY="cluster".
func galaxyCluster(tags []mispTag, galaxy string) string {
	prefix := "misp-galaxy:" + galaxy + "="
	for _, t := range tags {
		if v, ok := strings.CutPrefix(t.Name, prefix); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// mispKinds maps MISP attribute types onto kinds; the types with a '|'
// are handled in mispAttribute.
var mispKinds = map[string]match.Kind{
	"domain": match.KindDomain, "hostname": match.KindDomain,
	"url":    match.KindURL,
	"ip-src": match.KindIP, "ip-dst": match.KindIP,
	"md5": match.KindMD5, "sha1": match.KindSHA1, "sha256": match.KindSHA256,
	"filename|md5": match.KindMD5, "filename|sha1": match.KindSHA1, "filename|sha256": match.KindSHA256,
	"email": match.KindEmail, "email-src": match.KindEmail, "email-dst": match.KindEmail, "email-reply-to": match.KindEmail,
	"user-agent":          match.KindUserAgent,
	"ja3-fingerprint-md5": match.KindJA3,
	"ip-src|port":         match.KindIP, "ip-dst|port": match.KindIP,
	"hostname|port": match.KindDomain,
	"domain|ip":     match.KindDomain,
}

func mispAttribute(a *mispAttrAt, base match.Indicator, src Source, out *lineOut) {
	kind, ok := mispKinds[a.Type]
	switch {
	case bool(a.Deleted) || a.deleted:
		out.skip(skip("deleted"))
		return
	case !ok:
		out.skip(skip("MISP attribute type " + a.Type + " has no indicator kind"))
		return
	case !bool(a.ToIDS) && !src.AllAttributes:
		out.skip(skip("to_ids is not set (Source.AllAttributes loads it)"))
		return
	}
	ind := base
	for _, t := range a.Tag {
		ind.Tags = addTags(ind.Tags, t.Name)
	}
	if c := strings.TrimSpace(a.Comment); c != "" && src.Meta.Description == "" {
		if ind.Description != "" {
			ind.Description += ": " + c
		} else {
			ind.Description = c
		}
	}
	ind.FirstSeen = orTime(parseTime(string(a.FirstSeen)), ind.FirstSeen)
	ind.LastSeen = orTime(parseTime(string(a.LastSeen)), ind.LastSeen)
	v := strings.TrimSpace(string(a.Value))
	left, right, pair := strings.Cut(v, "|")
	switch a.Type {
	case "filename|md5", "filename|sha1", "filename|sha256":
		if !pair {
			out.skip(errors.New(a.Type + " without a |"))
			return
		}
		v = right
	case "ip-src|port", "ip-dst|port", "hostname|port":
		// The address (or host) is the attribute; the port is context.
		if !pair {
			// MISP also writes "192.0.2.1:443".
			addr, port, ok := splitAddrPort(v)
			if !ok {
				out.skip(errors.New(a.Type + " without a port"))
				return
			}
			left, right = addr, fmt.Sprint(port)
		}
		v = left
		ind.Tags = addTags(ind.Tags, "port:"+right)
	case "domain|ip":
		if !pair {
			out.skip(errors.New("domain|ip without a |"))
			return
		}
		v = left
		ip := ind
		ip.Kind, ip.Value = match.KindIP, right
		ind.Kind, ind.Value = kind, v
		out.add(ind)
		out.add(ip)
		return
	}
	if kind == match.KindIP && strings.IndexByte(v, '/') >= 0 {
		kind = match.KindCIDR
	}
	ind.Kind, ind.Value = kind, v
	out.add(ind)
}

// loadMISPFeed loads a MISP feed directory: the events manifest.json
// lists, each from <uuid>.json. hashes.csv (digests of the values, for
// MISP's cache) is not read. A missing or malformed event file is
// reported and the others still load; the first such error is returned.
func loadMISPFeed(b *match.Builder, dir string, src Source) (*Report, error) {
	if src.Name == "" || src.Name == filepath.Join(dir, "manifest.json") {
		src.Name = dir
	}
	src.Format = FormatMISP
	rep := newReport(src)
	var first error
	if err := loadItems(b, rep, mispFeedItems(dir, src, &first), src); err != nil {
		return rep, err
	}
	if first != nil {
		return rep, first
	}
	return rep, checkEmpty(rep, src)
}

// mispFeedItems yields the items of every event of a MISP feed. An error
// that ends one event file is yielded as a line error, and the first one
// is kept in *first; an unreadable manifest ends the feed.
func mispFeedItems(dir string, src Source, first *error) iter.Seq[item] {
	return func(yield func(item) bool) {
		manifest := filepath.Join(dir, "manifest.json")
		f, err := os.Open(manifest)
		if err != nil {
			yield(fail(fmt.Errorf("not a MISP feed: %w", err)))
			return
		}
		msrc := src
		msrc.Name = manifest
		data, err := readDoc(f, msrc)
		f.Close()
		if err != nil {
			yield(fail(err))
			return
		}
		d, err := newJSONDoc(data, msrc, manifest)
		if err != nil {
			yield(fail(err))
			return
		}
		type entry struct {
			uuid string
			line int
		}
		var events []entry
		if d.peek() != '{' {
			yield(fail(d.errAt(d.next(), malformed("a MISP feed manifest is a JSON object of event UUIDs"))))
			return
		}
		err = d.object(func(key string) error {
			events = append(events, entry{key, d.lineAt(d.next())})
			return d.skip()
		})
		if err != nil {
			yield(fail(err))
			return
		}
		keep := func(le *LineError) bool {
			if *first == nil {
				*first = le
			}
			return yield(item{file: le.File, line: le.Line, err: le})
		}
		for _, e := range events {
			if strings.ContainsAny(e.uuid, `/\`) || e.uuid == ".." || e.uuid == "." || e.uuid == "" {
				if !yield(item{file: manifest, line: e.line, err: &LineError{File: manifest, Line: e.line, Text: e.uuid, Err: errors.New("not an event UUID")}}) {
					return
				}
				continue
			}
			path := filepath.Join(dir, e.uuid+".json")
			ef, err := os.Open(path)
			if err != nil {
				if !keep(&LineError{File: manifest, Line: e.line, Text: e.uuid, Err: fmt.Errorf("event file missing: %w", err)}) {
					return
				}
				continue
			}
			esrc := src
			esrc.Name = path
			data, err := readDoc(ef, esrc)
			ef.Close()
			var ed *jsonDoc
			if err == nil {
				ed, err = newJSONDoc(data, src, path)
			}
			if err == nil {
				stopped := false
				err = ed.walkMISP(func(it item) bool {
					if it.file == "" {
						it.file = path
					}
					stopped = !yield(it)
					return !stopped
				})
				if stopped || err == errStop {
					return
				}
			}
			if err != nil {
				var le *LineError
				if !errors.As(err, &le) {
					le = &LineError{File: path, Line: 1, Err: err}
				}
				if !keep(le) {
					return
				}
			}
		}
	}
}
