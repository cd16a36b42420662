package feed

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"net/netip"
	"os"
	"strings"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/match"
)

// warninglist is a MISP warninglist: {name, type, list,
// matching_attributes, …}.
type warninglist struct {
	Name               string   `json:"name"`
	Description        string   `json:"description"`
	Type               string   `json:"type"`
	Category           string   `json:"category"`
	MatchingAttributes []string `json:"matching_attributes"`
	entries            []wlEntry
}

type wlEntry struct {
	value string
	line  int
}

// readWarninglist reads a warninglist document, with the line of every
// entry.
func (d *jsonDoc) readWarninglist(yield func(item) bool) (*warninglist, error) {
	wl := &warninglist{}
	bad := func(b *LineError, err error) error {
		if err != nil {
			return err
		}
		if b != nil && !yield(item{line: b.Line, err: b}) {
			return errStop
		}
		return nil
	}
	err := d.object(func(key string) error {
		switch key {
		case "list":
			if d.peek() != '[' {
				return bad(d.errAt(d.next(), errors.New("list is not an array")), d.skip())
			}
			// One Decode for the whole list: encoding/json spends more on
			// each element decoded apart than on a short string itself.
			// The entries' lines come from a scan of the same bytes.
			start := d.next()
			var vals []jsonText
			b, err := d.decode(&vals)
			if err != nil {
				return err
			}
			if err := bad(b, nil); err != nil {
				return err
			}
			offs := elementStarts(d.data[start:int(d.dec.InputOffset())])
			first := d.lineAt(start)
			for i, v := range vals {
				line := first
				if len(offs) == len(vals) {
					line = d.lineAt(start + offs[i]) // offsets grow: counting resumes
				}
				wl.entries = append(wl.entries, wlEntry{strings.TrimSpace(string(v)), line})
			}
			return nil
		case "name":
			return bad(d.decode(&wl.Name))
		case "description":
			return bad(d.decode(&wl.Description))
		case "type":
			return bad(d.decode(&wl.Type))
		case "category":
			return bad(d.decode(&wl.Category))
		case "matching_attributes":
			return bad(d.decode(&wl.MatchingAttributes))
		}
		return d.skip()
	})
	if err != nil {
		return nil, err
	}
	if d.peek() != 0 {
		return nil, d.errAt(d.next(), malformed("unexpected data after the warninglist"))
	}
	return wl, nil
}

// attrKinds maps the MISP attribute types of matching_attributes onto
// kinds.
var attrKinds = map[string][]match.Kind{
	"hostname": {match.KindDomain}, "domain": {match.KindDomain}, "hostname|port": {match.KindDomain},
	"domain|ip": {match.KindDomain, match.KindIP, match.KindCIDR},
	"url":       {match.KindURL}, "uri": {match.KindURL}, "link": {match.KindURL},
	"ip-src": {match.KindIP, match.KindCIDR}, "ip-dst": {match.KindIP, match.KindCIDR},
	"ip-src|port": {match.KindIP, match.KindCIDR}, "ip-dst|port": {match.KindIP, match.KindCIDR},
	"md5": {match.KindMD5}, "filename|md5": {match.KindMD5},
	"sha1": {match.KindSHA1}, "filename|sha1": {match.KindSHA1},
	"sha256": {match.KindSHA256}, "filename|sha256": {match.KindSHA256},
	"email": {match.KindEmail}, "email-src": {match.KindEmail}, "email-dst": {match.KindEmail},
	"user-agent": {match.KindUserAgent}, "ja3-fingerprint-md5": {match.KindJA3},
}

// kinds returns the kinds the list applies to; nil means all.
func (wl *warninglist) kinds() map[match.Kind]bool {
	if len(wl.MatchingAttributes) == 0 {
		return nil
	}
	ks := map[match.Kind]bool{}
	for _, a := range wl.MatchingAttributes {
		for _, k := range attrKinds[strings.ToLower(a)] {
			ks[k] = true
		}
	}
	return ks
}

// parseWarninglist reads a MISP warninglist as allow indicators (or with
// Source.Action): type cidr as IP and CIDR indicators, hostname as domain
// indicators (a leading dot dropped: the domain and its subdomains, as
// MISP matches them), string by the value's shape. A string entry that
// is a host name becomes a domain, which also matches subdomains: sift has
// no exact-host kind (a Filter matches strings exactly). Substring and
// regex entries have no indicator kind and are skipped.
func parseWarninglist(r io.Reader, src Source) iter.Seq[item] {
	return parseDoc(r, src, func(d *jsonDoc, yield func(item) bool) error {
		wl, err := d.readWarninglist(yield)
		if err != nil {
			return err
		}
		kinds := wl.kinds()
		base := src.indicator()
		if base.Action == match.ActionNone {
			base.Action = match.ActionAllow
		}
		src.named(&base, wl.Name)
		if base.Category == "" {
			base.Category = wl.Category
		}
		if base.Description == "" {
			base.Description = wl.Description
		}
		typ := strings.ToLower(wl.Type)
		out := &lineOut{src: src}
		for _, e := range wl.entries {
			out.n, out.text, out.items = e.line, []byte(e.value), out.items[:0]
			switch typ {
			case "substring":
				out.skip(skip("substring entries have no indicator kind: use the warninglist as a Filter"))
			case "regex":
				out.skip(skip("regular-expression entries have no indicator kind"))
			case "hostname", "string", "cidr":
				v := e.value
				if v == "" {
					continue
				}
				k := match.KindOf(v)
				if typ == "hostname" {
					v = strings.Trim(v, ".")
					if k = match.KindOf(v); k != match.KindIP {
						k = match.KindDomain
					}
				}
				if k == match.KindMD5 && kinds != nil && !kinds[k] && kinds[match.KindJA3] {
					k = match.KindJA3
				}
				switch {
				case k == match.KindUnknown:
					out.skip(skip("the value has no indicator kind"))
				case kinds != nil && !kinds[k] && !(typ == "cidr" && (k == match.KindIP || k == match.KindCIDR)):
					out.skip(skip("a value of kind " + k.String() + " is not among the matching attributes of the list"))
				default:
					ind := base
					ind.Kind, ind.Value = k, v
					out.add(ind)
				}
			default:
				return d.errAt(0, malformed("unknown warninglist type %q", wl.Type))
			}
			for _, it := range out.items {
				if !yield(it) {
					return errStop
				}
			}
		}
		return nil
	})
}

// Filter drops the indicators that MISP warninglists list, before they
// reach a Builder: set it as Source.Filter. Each list applies to the kinds
// its matching_attributes name (all kinds when it names none):
//
//   - string: the value, exactly (case-insensitively);
//   - hostname: a domain, or the host of a URL or e-mail address, that is
//     a listed host or a subdomain of one;
//   - cidr: an address or prefix inside a listed prefix (or address),
//     including the address of a URL's IP host;
//   - substring: a value that contains a listed string (case-insensitively).
//
// Regex lists are refused. The zero Filter drops nothing. Add lists before
// use; after that a Filter may be shared by concurrent loads.
type Filter struct {
	lists []*wlFilter
}

type wlFilter struct {
	name     string
	typ      string
	kinds    map[match.Kind]bool
	exact    map[string]bool
	prefixes map[int]map[netip.Prefix]bool // by length
	subs     []string
}

// AddFile adds the warninglist at path.
func (f *Filter) AddFile(path string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	return f.Add(fh, path)
}

// Add adds a warninglist read from r; name is used in errors.
func (f *Filter) Add(r io.Reader, name string) error {
	src := Source{Name: name}
	data, err := readDoc(r, src)
	if err != nil {
		return err
	}
	d, err := newJSONDoc(data, src, name)
	if err != nil {
		return err
	}
	var lineErr error
	wl, err := d.readWarninglist(func(it item) bool {
		lineErr = it.err
		return false
	})
	if err == errStop {
		err = lineErr
	}
	if err != nil {
		return err
	}
	w := &wlFilter{name: wl.Name, typ: strings.ToLower(wl.Type), kinds: wl.kinds(), exact: map[string]bool{}, prefixes: map[int]map[netip.Prefix]bool{}}
	if w.name == "" {
		w.name = baseName(name)
	}
	for _, e := range wl.entries {
		switch w.typ {
		case "string":
			w.exact[normValue(e.value)] = true
		case "hostname":
			w.exact[normHost(strings.Trim(e.value, "."))] = true
		case "cidr":
			p, err := netip.ParsePrefix(e.value)
			if err != nil {
				a, aerr := netip.ParseAddr(e.value)
				if aerr != nil {
					return &LineError{File: name, Line: e.line, Text: e.value, Err: errors.New("not an address or prefix")}
				}
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			p = p.Masked()
			if w.prefixes[p.Bits()] == nil {
				w.prefixes[p.Bits()] = map[netip.Prefix]bool{}
			}
			w.prefixes[p.Bits()][p] = true
		case "substring":
			if v := strings.ToLower(e.value); v != "" {
				w.subs = append(w.subs, v)
			}
		default:
			return fmt.Errorf("%s: %w: warninglist type %q is not supported as a filter", name, ErrMalformed, wl.Type)
		}
	}
	f.lists = append(f.lists, w)
	return nil
}

// Drops reports whether one of the Filter's lists lists ind.
func (f *Filter) Drops(ind match.Indicator) bool {
	_, ok := f.match(&ind)
	return ok
}

// match returns the name of the first list that lists ind.
func (f *Filter) match(ind *match.Indicator) (string, bool) {
	if f == nil || len(f.lists) == 0 {
		return "", false
	}
	kind := ind.Kind
	if kind == match.KindUnknown {
		kind = match.KindOf(ind.Value)
	}
	for _, w := range f.lists {
		if w.kinds != nil && !w.kinds[kind] {
			continue
		}
		if w.drops(kind, ind.Value) {
			return w.name, true
		}
	}
	return "", false
}

func (w *wlFilter) drops(kind match.Kind, v string) bool {
	switch w.typ {
	case "string":
		return w.exact[normValue(v)]
	case "substring":
		lv := strings.ToLower(v)
		for _, s := range w.subs {
			if strings.Contains(lv, s) {
				return true
			}
		}
	case "hostname":
		host := ""
		switch kind {
		case match.KindDomain:
			host = normHost(strings.TrimPrefix(v, "*."))
		case match.KindURL:
			if u, err := canon.Parse(nil, v); err == nil {
				host = string(u.Host())
			}
		case match.KindEmail:
			if i := strings.LastIndexByte(v, '@'); i >= 0 {
				host = normHost(v[i+1:])
			}
		}
		for host != "" {
			if w.exact[host] {
				return true
			}
			_, rest, ok := strings.Cut(host, ".")
			if !ok {
				break
			}
			host = rest
		}
	case "cidr":
		var p netip.Prefix
		switch kind {
		case match.KindIP, match.KindCIDR:
			var err error
			if p, err = netip.ParsePrefix(strings.TrimSpace(v)); err != nil {
				a, err := netip.ParseAddr(strings.TrimSpace(v))
				if err != nil {
					return false
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
		case match.KindURL:
			u, err := canon.Parse(nil, v)
			if err != nil || !u.Addr().IsValid() {
				return false
			}
			p = netip.PrefixFrom(u.Addr(), u.Addr().BitLen())
		default:
			return false
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		for bits, set := range w.prefixes {
			if bits > p.Bits() {
				continue
			}
			if q, err := p.Addr().Prefix(bits); err == nil && set[q] {
				return true
			}
		}
	}
	return false
}

// normValue is how string lists compare values: trimmed, lower case,
// without a trailing dot.
func normValue(v string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(v)), ".")
}

// normHost canonicalises a host name as the Builder does, falling back to
// normValue for what canon refuses.
func normHost(v string) string {
	if b, err := canon.AppendHost(nil, strings.TrimSpace(v)); err == nil {
		return string(b)
	}
	return normValue(v)
}
