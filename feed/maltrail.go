package feed

import (
	"errors"
	"io"
	"iter"
	"path/filepath"
	"strings"

	"github.com/sift-intel/sift/match"
)

// parseMaltrail reads a maltrail trail file. Trails are domains, IP
// addresses, CIDR prefixes, URLs (with or without a scheme); the file's
// family (its base name, "ek_rig" for ek_rig.txt) is every trail's
// category, and the folder it sits in (malware, malicious, suspicious) a
// tag. A "# Reference: URL" line is the reference of the trails that
// follow it, up to the next group of references (the first reference of a
// group counts). An inline "# comment" and a ",label" suffix (worst_asns)
// become the description.
//
// Skipped with the reason: "address:port" trails (see errAddrPort), URL
// paths without a host ("/gate.php": no path kind), and regular
// expressions. In a User-Agent file (maltrail's ua.txt, or Source.Kind
// KindUserAgent) each line is a case-insensitive regular expression:
// those that are literal text become User-Agent substrings, the others are
// skipped.
func parseMaltrail(r io.Reader, src Source) iter.Seq[item] {
	family := baseName(src.Name)
	var tag string
	switch d := filepath.Base(filepath.Dir(src.Name)); d {
	case "malware", "malicious", "suspicious":
		tag = d
	}
	ua := family == "ua" || src.Kind == match.KindUserAgent
	base := src.indicator()
	if src.Meta.Category == "" {
		base.Category = family
	}
	if tag != "" {
		base.Tags = addTags(base.Tags, tag)
	}
	var ref string
	inRefs := false
	return parseText(r, src, func(line []byte, out *lineOut) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			return
		}
		if s[0] == '#' {
			c := strings.TrimSpace(strings.TrimLeft(s, "#"))
			if rest, ok := cutPrefixFold(c, "reference:"); ok {
				if !inRefs {
					ref = strings.TrimSpace(rest)
					inRefs = true
				}
			}
			return
		}
		inRefs = false
		ind := base
		if src.Meta.Reference == "" {
			ind.Reference = ref
		}
		if ua {
			lit, ok := literalRegex(s)
			if !ok {
				out.skip(skip("User-Agent regular expressions that are not literal text have no indicator kind"))
				return
			}
			ind.Kind, ind.Value = match.KindUserAgent, lit
			out.add(ind)
			return
		}
		v, desc := s, ""
		if i := strings.Index(v, " #"); i >= 0 {
			v, desc = strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+2:])
		} else if i := strings.Index(v, "\t#"); i >= 0 {
			v, desc = strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+2:])
		}
		if i := strings.IndexByte(v, ','); i > 0 && match.KindOf(v[:i]) != match.KindUnknown {
			v, desc = v[:i], strings.TrimSpace(v[i+1:])
		}
		switch {
		case isAddrPort(v):
			out.skip(errAddrPort)
			return
		case isRegexTrail(v):
			out.skip(skip("regular-expression trails have no indicator kind"))
			return
		case v[0] == '/':
			out.skip(skip("URL paths without a host have no indicator kind"))
			return
		}
		if strings.ContainsAny(v, " \t") {
			out.skip(errors.New("unexpected text after the value"))
			return
		}
		ind.Kind = src.Kind
		if ind.Kind == match.KindUnknown {
			ind.Kind = match.KindOf(v)
		}
		if ind.Kind == match.KindUnknown {
			if isAddrPort(v) {
				out.skip(errAddrPort)
			} else {
				out.skip(errors.New("not a domain, URL, IP address, prefix or hash"))
			}
			return
		}
		if desc != "" && src.Meta.Description == "" {
			ind.Description = desc
		}
		ind.Value = v
		out.add(ind)
	})
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// isRegexTrail reports whether a trail is one of maltrail's regular
// expressions ("\b(atztds|mtxtds)[0-9a-z]+\.(world|xyz)").
func isRegexTrail(v string) bool {
	return strings.ContainsAny(v, `\()[]|`) || strings.Contains(v, ".*") || strings.Contains(v, ".+")
}

// literalRegex returns the text a Python regular expression matches when
// it matches only literal text, undoing escapes of punctuation.
func literalRegex(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) {
				return "", false
			}
			n := s[i+1]
			if 'a' <= n && n <= 'z' || 'A' <= n && n <= 'Z' || '0' <= n && n <= '9' {
				return "", false // \b \w \d \A \Z \x41 …: a class or an anchor
			}
			b.WriteByte(n)
			i++
		case '.', '^', '$', '*', '+', '?', '(', ')', '[', ']', '|':
			return "", false
		case '{':
			// A quantifier ("{2}", "{1,3}") is not literal; a lone brace is.
			if j := strings.IndexByte(s[i:], '}'); j > 1 && strings.Trim(s[i+1:i+j], "0123456789,") == "" {
				return "", false
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "", false
	}
	return b.String(), true
}
