package canon_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sift-intel/sift/canon"
)

// FuzzCanonical checks, for any input: no panic; a success is a fixed
// point (canonicalising the output gives the output); the output is fully
// escaped; its host has no upper-case letter, no empty label and no leading
// or trailing dot; its expressions are at most 30, distinct, substrings of
// it, the first being Expression. The same input as a host for AppendHost:
// no panic, a fixed point, and the same host as in a URL. Time is bounded
// by MaxURLLength and the linear algorithms; the fuzzer reports hangs.
func FuzzCanonical(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out, err := canon.AppendURL(nil, raw)
		u, perr := canon.Parse(make([]byte, 0, 64), raw)
		if (err == nil) != (perr == nil) {
			t.Fatalf("AppendURL error %v, Parse error %v", err, perr)
		}
		if err == nil {
			checkCanonical(t, raw, out, u)
		}

		h, err := canon.AppendHost(nil, raw)
		if err != nil {
			return
		}
		again, err := canon.AppendHost(nil, string(h))
		if err != nil || !bytes.Equal(again, h) {
			t.Fatalf("AppendHost(%q) = %q, then %q, %v", raw, h, again, err)
		}
		if strings.ContainsAny(raw, ":[]/?\\@#%") || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' }) {
			return // not the same text as the host of a URL
		}
		u, err = canon.Parse(nil, "http://"+raw+"/")
		if err != nil || !bytes.Equal(u.Host(), h) {
			t.Fatalf("AppendHost(%q) = %q but the URL's host is %q, %v", raw, h, u.Host(), err)
		}
	})
}

func checkCanonical(t *testing.T, raw string, out []byte, u canon.URL) {
	t.Helper()
	if !bytes.Equal(out, u.Bytes()) {
		t.Fatalf("%q: AppendURL %q, Parse %q", raw, out, u.Bytes())
	}
	again, err := canon.AppendURL(nil, string(out))
	if err != nil || !bytes.Equal(again, out) {
		t.Fatalf("not idempotent: %q -> %q -> %q, %v", raw, out, again, err)
	}
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c <= ' ' || c >= 0x7f || c == '#':
			t.Fatalf("%q: unescaped byte %#x in %q", raw, c, out)
		case c == '%':
			if i+2 >= len(out) || !isUpperHex(out[i+1]) || !isUpperHex(out[i+2]) {
				t.Fatalf("%q: bad escape at %d in %q", raw, i, out)
			}
		}
	}
	host := u.Host()
	if len(host) == 0 || host[0] == '.' || host[len(host)-1] == '.' || bytes.Contains(host, []byte("..")) {
		t.Fatalf("%q: bad host %q", raw, host)
	}
	for i := 0; i < len(host); i++ {
		if host[i] == '%' {
			i += 2 // the hex of an escape is upper case by rule
			continue
		}
		if 'A' <= host[i] && host[i] <= 'Z' {
			t.Fatalf("%q: upper case in host %q", raw, host)
		}
	}
	if p := u.Path(); len(p) == 0 || p[0] != '/' {
		t.Fatalf("%q: path %q", raw, p)
	}
	seen := map[string]bool{}
	first := true
	for e := range u.Expressions {
		if first && !bytes.Equal(e, u.Expression()) {
			t.Fatalf("%q: first expression %q, Expression %q", raw, e, u.Expression())
		}
		first = false
		if seen[string(e)] {
			t.Fatalf("%q: expression %q twice", raw, e)
		}
		seen[string(e)] = true
		if !bytes.Contains(out, e) {
			t.Fatalf("%q: expression %q not in %q", raw, e, out)
		}
	}
	if len(seen) == 0 || len(seen) > 30 {
		t.Fatalf("%q: %d expressions", raw, len(seen))
	}
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

// fuzzSeeds: every input of the vector files, the bad inputs, and real
// URLs.
func fuzzSeeds(tb testing.TB) []string {
	seeds := []string{
		"http://[fe80::1%25eth0]/", "http://[::ffff:1.2.3.4]/", "http://[64:ff9b::1.2.3.4]/x?y",
		"%", "%4", "%zz", "%%34%31", "http://a.com/%252525252541", "\x00", "\xff\xfe", "http://\xff.com/",
		"javascript:alert(1)", "http://", "", "   ", "a.com:80", "//a/b", "http://a\\b/c\\..\\d",
		"http://ü\u200d.com/", "http://１２７。０。０。１/", "http://user@[::1]:80@x/", "0x7f.1", "012.0xA0.01.089",
		"http://" + strings.Repeat("a.", 130) + "/", strings.Repeat("%25", 100),
		"http://a／b.ü/", "ａ＠ｂ.ü", "ü：80", ".[::1]", "..[00", "http://[::1]:80@x/", "x\\y", "W!eird<>Ho$^.com",
	}
	for _, v := range readVectors(tb) {
		seeds = append(seeds, v.in, v.want)
	}
	for _, c := range readExpressions(tb) {
		seeds = append(seeds, c.url)
	}
	urls, _ := benchURLs(tb)
	return append(seeds, urls[:min(len(urls), 300)]...)
}
