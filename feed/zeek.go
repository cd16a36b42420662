package feed

import (
	"errors"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/match"
)

// zeekKinds maps Zeek Intel types onto kinds. FILE_HASH takes the kind of
// the digest's length. Intel::JA3 is the common extension type for JA3
// fingerprints.
var zeekKinds = map[string]match.Kind{
	"Intel::ADDR": match.KindIP, "Intel::SUBNET": match.KindCIDR, "Intel::DOMAIN": match.KindDomain,
	"Intel::URL": match.KindURL, "Intel::EMAIL": match.KindEmail, "Intel::FILE_HASH": match.KindUnknown,
	"Intel::JA3": match.KindJA3,
}

// zeekSkipped says why the other standard types are not loaded.
var zeekSkipped = map[string]string{
	"Intel::SOFTWARE":    "Intel::SOFTWARE has no indicator kind: Zeek matches it exactly against software names and whole User-Agent headers, which a User-Agent substring would widen",
	"Intel::USER_NAME":   "Intel::USER_NAME has no indicator kind",
	"Intel::CERT_HASH":   "Intel::CERT_HASH is a certificate digest, not a file hash",
	"Intel::PUBKEY_HASH": "Intel::PUBKEY_HASH is a public-key digest, not a file hash",
	"Intel::FILE_NAME":   "Intel::FILE_NAME has no indicator kind",
}

// parseZeek reads a Zeek Intel framework file: a "#fields" header naming
// the tab-separated columns (indicator, indicator_type, meta.source,
// meta.desc, meta.url, …), then one item a line; "-" is unset. The
// #separator, #set_separator, #empty_field and #unset_field directives of
// Zeek's log format are honoured.
func parseZeek(r io.Reader, src Source) iter.Seq[item] {
	sep, setSep, empty, unset := "\t", ",", "(empty)", "-"
	var cols map[string]int
	return parseText(r, src, func(line []byte, out *lineOut) {
		s := string(line)
		if strings.HasPrefix(s, "#") {
			directive, rest, _ := strings.Cut(s, sep)
			if directive == s {
				directive, rest, _ = strings.Cut(s, " ")
			}
			switch directive {
			case "#separator":
				if v, err := strconv.Unquote(`"` + strings.TrimSpace(rest) + `"`); err == nil && v != "" {
					sep = v
				}
			case "#set_separator":
				setSep = rest
			case "#empty_field":
				empty = rest
			case "#unset_field":
				unset = rest
			case "#fields":
				names := strings.Split(rest, sep)
				if len(names) == 1 && !strings.Contains(s, sep) {
					names = strings.Fields(rest) // hand-written with spaces
					sep = ""
				}
				cols = map[string]int{}
				for i, n := range names {
					cols[strings.TrimSpace(n)] = i
				}
				if _, ok := cols["indicator"]; !ok {
					cols = nil
					out.end(malformed("a Zeek log without an indicator column is not an intel file"))
				}
			}
			return
		}
		if strings.TrimSpace(s) == "" {
			return
		}
		if cols == nil {
			out.end(malformed("no #fields header before the first item"))
			return
		}
		var f []string
		if sep == "" {
			f = strings.Fields(s)
		} else {
			f = strings.Split(s, sep)
		}
		get := func(name string) string {
			i, ok := cols[name]
			if !ok || i >= len(f) || f[i] == unset || f[i] == empty {
				return ""
			}
			return strings.TrimSpace(f[i])
		}
		v, typ := get("indicator"), get("indicator_type")
		if v == "" {
			out.skip(errors.New("no indicator"))
			return
		}
		kind, ok := zeekKinds[typ]
		if !ok {
			if reason, ok := zeekSkipped[typ]; ok {
				out.skip(skip(reason))
			} else if typ == "" {
				out.skip(errors.New("no indicator_type"))
			} else {
				out.skip(skip("Zeek type " + typ + " has no indicator kind"))
			}
			return
		}
		if typ == "Intel::FILE_HASH" {
			if kind = match.KindOf(v); !kind.IsHash() {
				out.skip(skip("Intel::FILE_HASH that is not an MD5, SHA-1 or SHA-256 digest has no indicator kind"))
				return
			}
		}
		if kind == match.KindIP && strings.IndexByte(v, '/') >= 0 {
			kind = match.KindCIDR
		}
		ind := src.indicator()
		ind.Kind, ind.Value = kind, v
		src.named(&ind, get("meta.source"))
		if d := get("meta.desc"); d != "" {
			ind.Description = d
		}
		if u := get("meta.url"); u != "" {
			ind.Reference = u
		}
		if strings.EqualFold(get("meta.whitelist"), "T") {
			ind.Action = match.ActionAllow
		}
		for _, k := range []string{"meta.cif_confidence", "meta.confidence"} {
			if c, ok := confidence(get(k)); ok {
				ind.Confidence = c
				break
			}
		}
		for _, k := range []string{"meta.cif_tags", "meta.tags"} {
			if t := get(k); t != "" {
				ind.Tags = addTags(ind.Tags, strings.Split(t, setSep)...)
			}
		}
		for _, k := range []string{"meta.firstseen", "meta.cif_firstseen", "meta.first_seen"} {
			if t := parseTime(get(k)); !t.IsZero() {
				ind.FirstSeen = t
				break
			}
		}
		for _, k := range []string{"meta.lastseen", "meta.cif_lastseen", "meta.last_seen"} {
			if t := parseTime(get(k)); !t.IsZero() {
				ind.LastSeen = t
				break
			}
		}
		out.add(ind)
	})
}
