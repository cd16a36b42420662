package feed

import (
	"io"
	"iter"
	"strings"

	"github.com/sift-intel/sift/match"
)

// adblockTypes are the options that only narrow a network rule to some
// request types or parties, or raise its priority: the rule's host or URL
// is still bad, so the indicator keeps it (and matches every request).
var adblockTypes = map[string]bool{
	"all": true, "document": true, "doc": true, "important": true, "third-party": true, "3p": true,
	"first-party": true, "1p": true, "script": true, "image": true, "stylesheet": true, "css": true,
	"subdocument": true, "frame": true, "xmlhttprequest": true, "xhr": true, "object": true,
	"media": true, "font": true, "websocket": true, "ping": true, "other": true, "popup": true,
	"match-case": true,
}

// parseAdblock reads Adblock Plus / uBlock Origin filter lists, keeping
// the network rules that are indicators:
//
//   - "||host^" and "||host" block a host and its subdomains: a domain
//     (or IP) indicator;
//   - "||host/path" (with or without a final "^" or "|") and
//     "|http://host/path|" block URLs: a URL indicator;
//   - a bare host name, or a hosts-file line ("0.0.0.0 host"), is a
//     domain (uBlock Origin reads both), "host/path" a URL.
//
// Options that narrow the request type ($all, $document, $script,
// $third-party, $important, …) are dropped: the host is bad on every
// request. Rules with other options ($domain=, $redirect=, …), exception
// rules (@@), cosmetic rules (##, #@#, #?#, …), regular expressions and
// wildcards are skipped with the reason.
func parseAdblock(r io.Reader, src Source) iter.Seq[item] {
	return parseText(r, src, func(line []byte, out *lineOut) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '!' || s[0] == '[' && strings.HasSuffix(s, "]") {
			return
		}
		if s[0] == '#' && !strings.Contains(s, "##") {
			return // a hosts-style comment
		}
		switch {
		case strings.HasPrefix(s, "@@"):
			out.skip(skip("exception rules (@@) are not loaded: an exception only lifts rules of its own list"))
			return
		case isCosmetic(s):
			out.skip(skip("cosmetic rules are not indicators"))
			return
		case len(s) > 1 && s[0] == '/' && strings.HasSuffix(s, "/"):
			out.skip(skip("regular-expression rules have no indicator kind"))
			return
		}
		if i := strings.LastIndexByte(s, '$'); i >= 0 {
			for _, opt := range strings.Split(s[i+1:], ",") {
				name, _, _ := strings.Cut(strings.TrimSpace(opt), "=")
				if !adblockTypes[strings.ToLower(name)] {
					out.skip(skip("adblock option " + strings.TrimPrefix(name, "~") + " restricts the rule beyond an indicator"))
					return
				}
			}
			s = s[:i]
		}
		ind := src.indicator()
		if f := strings.Fields(s); len(f) == 2 && match.KindOf(f[0]) == match.KindIP {
			// uBlock Origin reads hosts-file lines too: "0.0.0.0 evil.example".
			if localNames[strings.ToLower(f[1])] {
				out.skip(errLocalName)
				return
			}
			s = f[1]
		}
		switch {
		case strings.HasPrefix(s, "||"):
			s = strings.TrimSuffix(strings.TrimSuffix(s[2:], "|"), "^")
			if strings.ContainsAny(s, "*^|") {
				out.skip(skip("wildcard and separator rules have no indicator kind"))
				return
			}
			ind.Kind = match.KindDomain
			if strings.IndexByte(s, '/') >= 0 {
				ind.Kind = match.KindURL
			}
		case strings.HasPrefix(s, "|"):
			s = strings.TrimSuffix(strings.TrimSuffix(s[1:], "|"), "^")
			if strings.ContainsAny(s, "*^|") || !strings.Contains(s, "://") {
				out.skip(skip("wildcard and separator rules have no indicator kind"))
				return
			}
			ind.Kind = match.KindURL
		default:
			if strings.ContainsAny(s, "*^|") {
				out.skip(skip("wildcard and separator rules have no indicator kind"))
				return
			}
		}
		if k := match.KindOf(s); k == match.KindIP || k == match.KindCIDR || ind.Kind == match.KindUnknown {
			ind.Kind = k
		}
		if ind.Kind == match.KindUnknown {
			out.skip(skip("not a host or URL rule"))
			return
		}
		ind.Value = s
		out.add(ind)
	})
}

// isCosmetic reports whether an adblock line is an element-hiding or
// scriptlet rule: "##", "#@#", "#?#", "#$#", "#%#" and their variants.
func isCosmetic(s string) bool {
	for _, sep := range []string{"##", "#@#", "#?#", "#$#", "#%#", "#@$#", "#@?#", "#@%#"} {
		if strings.Contains(s, sep) {
			return true
		}
	}
	return false
}
