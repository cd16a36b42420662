package feed

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/match"
)

// csvValueColumns are the known value columns, most telling first, with
// the kind each one holds (KindUnknown: the value's shape says).
var csvValueColumns = []struct {
	name string
	kind match.Kind
}{
	{"ioc_value", 0}, {"ioc", 0}, {"indicator", 0}, {"value", 0},
	{"url", match.KindURL}, {"host", 0},
	{"dst_ip", 0}, {"ip_address", 0}, {"ipaddress", 0}, {"ip", 0},
	{"domain", match.KindDomain}, {"hostname", match.KindDomain},
	{"sha256_hash", match.KindSHA256}, {"sha256", match.KindSHA256},
	{"sha1_hash", match.KindSHA1}, {"sha1", match.KindSHA1},
	{"md5_hash", match.KindMD5}, {"md5", match.KindMD5},
	{"ja3_md5", match.KindJA3}, {"ja3", match.KindJA3},
}

// csvMetaColumns are the known metadata columns, by field.
var csvMetaColumns = map[string][]string{
	"category":    {"malware_printable", "malware", "threat", "threat_type", "listingreason", "category"},
	"firstSeen":   {"first_seen_utc", "first_seen", "firstseen", "dateadded", "date_added", "submission_time"},
	"lastSeen":    {"last_seen_utc", "last_seen", "lastseen", "last_online"},
	"reference":   {"urlhaus_link", "phish_detail_url", "reference", "link"},
	"description": {"description", "comment", "message"},
	"tags":        {"tags"},
	"confidence":  {"confidence_level", "confidence"},
	"port":        {"dst_port", "port"},
	"status":      {"url_status", "c2_status", "status"},
	"iocType":     {"ioc_type"},
	"target":      {"target"},
	"path":        {"path"},
}

// csvMap says which column holds what.
type csvMap struct {
	values    []csvValue // the value column, then further hash columns of the same row
	meta      map[string]int
	phishtank bool
}

type csvValue struct {
	col  int
	kind match.Kind
}

func (m *csvMap) col(field string) int {
	if i, ok := m.meta[field]; ok {
		return i
	}
	return -1
}

// normHeader lower-cases a header cell and removes quotes and spaces.
func normHeader(s string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(s), `"' `))
}

// autoColumns maps a header row by the known column names; nil when it
// has no known value column.
func autoColumns(hdr []string) *csvMap {
	idx := map[string]int{}
	for i, h := range hdr {
		if _, ok := idx[normHeader(h)]; !ok {
			idx[normHeader(h)] = i
		}
	}
	m := &csvMap{meta: map[string]int{}}
	for _, vc := range csvValueColumns {
		if i, ok := idx[vc.name]; ok {
			if len(m.values) == 0 {
				m.values = append(m.values, csvValue{i, vc.kind})
			} else if vc.kind.IsHash() && m.values[0].kind.IsHash() && vc.kind != m.values[len(m.values)-1].kind {
				m.values = append(m.values, csvValue{i, vc.kind})
			}
		}
	}
	if len(m.values) == 0 {
		return nil
	}
	for field, names := range csvMetaColumns {
		for _, n := range names {
			if i, ok := idx[n]; ok && i != m.values[0].col {
				m.meta[field] = i
				break
			}
		}
	}
	if hv := normHeader(hdr[m.values[0].col]); hv != "host" {
		delete(m.meta, "path")
	}
	_, m.phishtank = idx["phish_id"]
	return m
}

// manualColumns maps a header row (or, when every name is a number,
// positions) by Source.Columns.
func manualColumns(c Columns, hdr []string) (*csvMap, error) {
	m := &csvMap{meta: map[string]int{}}
	find := func(name string) (int, error) {
		if n, err := strconv.Atoi(name); err == nil && hdr == nil {
			if n < 1 {
				return 0, fmt.Errorf("column %d: positions start at 1", n)
			}
			return n - 1, nil
		}
		for i, h := range hdr {
			if normHeader(h) == strings.ToLower(name) {
				return i, nil
			}
		}
		return 0, fmt.Errorf("no column %s in the header", name)
	}
	i, err := find(c.Value)
	if err != nil {
		return nil, err
	}
	m.values = []csvValue{{i, 0}}
	for field, name := range map[string]string{
		"category": c.Category, "tags": c.Tags, "firstSeen": c.FirstSeen, "lastSeen": c.LastSeen,
		"reference": c.Reference, "description": c.Description, "confidence": c.Confidence,
	} {
		if name == "" {
			continue
		}
		if m.meta[field], err = find(name); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// positional reports whether every column Source.Columns names is a
// number: the file then has no header row.
func (c Columns) positional() bool {
	if c.Value == "" {
		return false
	}
	for _, n := range []string{c.Value, c.Category, c.Tags, c.FirstSeen, c.LastSeen, c.Reference, c.Description, c.Confidence} {
		if _, err := strconv.Atoi(n); n != "" && err != nil {
			return false
		}
	}
	return true
}

// parseCSV reads CSV with a header row. Lines starting with '#' before
// the header are comments; the last of them is the header when the first
// row is data (abuse.ch SSLBL writes "# ja3_md5,Firstseen,…"). The
// separator is the one of ',', ';' and tab that the header uses most.
// Quoted fields may hold separators, doubled quotes and line breaks; a
// record is bounded by MaxLineLength.
func parseCSV(r io.Reader, src Source) iter.Seq[item] {
	var m *csvMap
	var comma byte
	var lastComment string
	var pending []byte
	pendingLine := 0
	if src.Columns.positional() {
		var err error
		if m, err = manualColumns(src.Columns, nil); err != nil {
			return func(yield func(item) bool) { yield(fail(fmt.Errorf("%s: %w", src.Name, err))) }
		}
		comma = ','
	}
	return parseTextEnd(r, src, func(line []byte, out *lineOut) {
		if pending != nil {
			if len(pending)+len(line) > MaxLineLength {
				pending = nil
				out.n = pendingLine
				out.skip(ErrLineTooLong)
				return
			}
			pending = append(append(pending, '\n'), line...)
			line, out.n = pending, pendingLine
		}
		s := string(line)
		if pending == nil && strings.TrimSpace(s) == "" {
			return
		}
		if m == nil {
			if t := strings.TrimSpace(s); t[0] == '#' {
				lastComment = strings.TrimSpace(strings.TrimLeft(t, "#"))
				return
			}
			comma = sniffComma(s)
			hdr, _ := splitCSV(s, comma)
			var err error
			if src.Columns.Value != "" {
				if m, err = manualColumns(src.Columns, hdr); err == nil {
					return
				}
			} else if m = autoColumns(hdr); m != nil {
				return
			} else {
				err = errors.New("no known value column (url, domain, ip, md5, sha256, ja3_md5, value, …): set Source.Columns")
			}
			// The first row is data: the header may be the last comment.
			if lastComment != "" {
				c := sniffComma(lastComment)
				if ch, _ := splitCSV(lastComment, c); len(ch) > 1 {
					if src.Columns.Value != "" {
						m, _ = manualColumns(src.Columns, ch)
					} else {
						m = autoColumns(ch)
					}
					if m != nil {
						comma = c
					}
				}
			}
			if m == nil {
				out.end(malformed("CSV header: %v", err))
				return
			}
		}
		if pending == nil && strings.HasPrefix(strings.TrimSpace(s), "#") {
			return
		}
		f, complete := splitCSV(s, comma)
		if !complete {
			if pending == nil {
				pendingLine = out.n
				pending = append([]byte(nil), line...)
			}
			return
		}
		pending = nil
		m.row(f, src, out)
	}, func(out *lineOut) {
		if pending != nil {
			out.n, out.text = pendingLine, pending
			out.end(malformed("truncated: a quoted field is still open at the end of the file"))
		}
	})
}

func sniffComma(s string) byte {
	best, n := byte(','), strings.Count(s, ",")
	for _, c := range []byte{';', '\t'} {
		if k := strings.Count(s, string(c)); k > n {
			best, n = c, k
		}
	}
	return best
}

// splitCSV splits a record (RFC 4180, leniently: a quote inside an
// unquoted field is text). complete is false when a quoted field is still
// open at the end: the record goes on on the next line.
func splitCSV(s string, comma byte) (fields []string, complete bool) {
	var b strings.Builder
	i := 0
	for {
		// One field.
		b.Reset()
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i < len(s) && s[i] == '"' {
			i++
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return fields, false
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				break
			}
			// Text after the closing quote up to the separator is kept.
			j := strings.IndexByte(s[i:], comma)
			if j < 0 {
				b.WriteString(s[i:])
				i = len(s)
			} else {
				b.WriteString(s[i : i+j])
				i += j
			}
		} else {
			j := strings.IndexByte(s[i:], comma)
			if j < 0 {
				b.WriteString(s[i:])
				i = len(s)
			} else {
				b.WriteString(s[i : i+j])
				i += j
			}
		}
		fields = append(fields, b.String())
		if i >= len(s) {
			return fields, true
		}
		i++ // the separator
	}
}

// row turns one CSV record into indicators.
func (m *csvMap) row(f []string, src Source, out *lineOut) {
	get := func(field string) string {
		i := m.col(field)
		if i < 0 || i >= len(f) {
			return ""
		}
		return strings.TrimSpace(f[i])
	}
	base := src.indicator()
	if m.phishtank && base.Category == "" {
		base.Category = "phishing"
	}
	if v := get("category"); v != "" {
		base.Category = v
	}
	if t := parseTime(get("firstSeen")); !t.IsZero() {
		base.FirstSeen = t
	}
	if t := parseTime(get("lastSeen")); !t.IsZero() {
		base.LastSeen = t
	}
	if v := get("reference"); v != "" {
		base.Reference = v
	}
	if v := get("description"); v != "" {
		base.Description = v
	}
	if v := get("tags"); v != "" && v != "None" {
		base.Tags = addTags(base.Tags, splitTags(v)...)
	}
	if c, ok := confidence(get("confidence")); ok {
		base.Confidence = c
	}
	if v := get("port"); v != "" {
		base.Tags = addTags(base.Tags, "port:"+v)
	}
	if v := get("status"); v != "" {
		base.Tags = addTags(base.Tags, "status:"+v)
	}
	if v := get("target"); v != "" && v != "Other" {
		base.Tags = addTags(base.Tags, "target:"+v)
	}
	added := false
	for n, vc := range m.values {
		v := ""
		if vc.col < len(f) {
			v = strings.TrimSpace(f[vc.col])
		}
		if v == "" {
			continue
		}
		ind := base
		ind.Kind = vc.kind
		if n == 0 {
			if p := get("path"); p != "" {
				v += "/" + strings.TrimPrefix(p, "/")
				ind.Kind = match.KindURL
			}
			switch strings.ToLower(get("iocType")) {
			case "ip:port":
				a, port, ok := splitAddrPort(v)
				if !ok {
					out.skip(errors.New("ioc_type ip:port, but not an address and a port"))
					continue
				}
				v = a
				ind.Tags = addTags(ind.Tags, "port:"+strconv.Itoa(int(port)))
			case "domain":
				ind.Kind = match.KindDomain
			case "url":
				ind.Kind = match.KindURL
			case "md5_hash":
				ind.Kind = match.KindMD5
			case "sha1_hash":
				ind.Kind = match.KindSHA1
			case "sha256_hash":
				ind.Kind = match.KindSHA256
			}
			if src.Kind != match.KindUnknown {
				ind.Kind = src.Kind
			}
		}
		if ind.Kind == match.KindUnknown {
			ind.Kind = match.KindOf(v)
		}
		if ind.Kind == match.KindDomain {
			v = strings.TrimPrefix(v, ".")
		}
		if ind.Kind == match.KindUnknown {
			if isAddrPort(v) {
				out.skip(errAddrPort)
			} else {
				out.skip(errors.New("not a domain, URL, IP address, prefix or hash"))
			}
			continue
		}
		ind.Value = v
		out.add(ind)
		added = true
	}
	if !added && len(m.values) > 0 && (m.values[0].col >= len(f) || strings.TrimSpace(f[m.values[0].col]) == "") {
		out.skip(errors.New("empty value"))
	}
}
