package feed_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

// fuzzFormat fuzzes one parser through Load, seeded with the committed
// real samples of its folder and a few hand-made edge cases. Whatever the
// input: no panic; every reported error is a *LineError naming the source
// and a line that exists; the error Load returns is nil, ErrEmpty, or a
// *LineError that ends the source; and the Builder builds.
func fuzzFormat(f *testing.F, format feed.Format, dir string, seeds ...string) {
	f.Helper()
	if dir != "" {
		filepath.WalkDir(filepath.Join("testdata", "samples", dir), func(p string, e os.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() && filepath.Ext(p) != ".md" {
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b)
				}
			}
			return nil
		})
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Count(data, []byte{'\n'}) + 1
		check := func(e error) {
			var le *feed.LineError
			if !errors.As(e, &le) {
				t.Fatalf("error without file:line: %v", e)
			}
			if le.File != "fuzz" || le.Line <= 0 || le.Line > lines {
				t.Fatalf("error names %s:%d of %d lines: %v", le.File, le.Line, lines, e)
			}
		}
		var b match.Builder
		rep, err := feed.Load(&b, bytes.NewReader(data), feed.Source{Name: "fuzz", Format: format, MaxSize: 1 << 20})
		if err != nil && !errors.Is(err, feed.ErrEmpty) {
			check(err)
		}
		for _, e := range rep.Errors {
			check(e)
		}
		if _, err := b.Build(); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzHosts(f *testing.F) {
	fuzzFormat(f, feed.FormatHosts, "hosts", "0.0.0.0 a.example b.example # c\n", "::1 localhost\n", "0.0.0.0\n")
}

func FuzzRPZ(f *testing.F) {
	fuzzFormat(f, feed.FormatRPZ, "rpz", "$ORIGIN rpz.\n@ SOA a. b. (\n1 )\nx.rpz. CNAME rpz-passthru.\n", "32.1.0.0.10.rpz-ip CNAME .\n128.zz.1.rpz-ip CNAME .\n", " NS x.\n;c\n")
}

func FuzzDnsmasq(f *testing.F) {
	fuzzFormat(f, feed.FormatDnsmasq, "dnsmasq", "address=/a/b/\nserver=/x/1.2.3.4\nlocal=//\n", "address=\n")
}

func FuzzAdblock(f *testing.F) {
	fuzzFormat(f, feed.FormatAdblock, "adblock", "||a.example^$all,~script\n@@||b^\n|http://x/|\na##.b\n/re/\n", "$\n||\n|\n")
}

func FuzzMaltrail(f *testing.F) {
	fuzzFormat(f, feed.FormatMaltrail, "maltrail", "# Reference: x\n1.2.3.4:80\n/p\n\\b(a|b)\n10.0.0.0/8,x\na # b\n")
}

func FuzzCSV(f *testing.F) {
	fuzzFormat(f, feed.FormatCSV, "csv", "url,tags\n\"http://a/\",\"x,y\"\n\"open\n", "# ioc,ioc_type\n1.2.3.4:5,ip:port\n", "host,path\na,/b\n")
}

func FuzzJSON(f *testing.F) {
	fuzzFormat(f, feed.FormatJSON, "json", `{"url": 1}`+"\n", `[{"data": [{"ioc": "a.b"}]}]`, `{"domain": ".x.y"} {"ip": "1.2.3.4"}`, "[[[[[[", "\xff")
}

func FuzzSTIX(f *testing.F) {
	fuzzFormat(f, feed.FormatSTIX, "stix",
		`{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[a:b = 'c'] AND ([d:e IN ('f', 'g')] WITHIN 5 SECONDS)", "revoked": "x"}]}`,
		`[{"type": "indicator", "pattern": 5}]`, `{"type": "indicator", "pattern": "[file:hashes.'SHA-256' = 'x' AND file:name = 'y']"}`)
}

// FuzzSTIXPattern fuzzes the pattern language alone, inside a bundle.
func FuzzSTIXPattern(f *testing.F) {
	for _, p := range []string{
		"[domain-name:value = 'a.example']", "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", "([url:value = 'x'] OR [email-addr:value='a@b.c']) REPEATS 2 TIMES",
		"[file:hashes.'SHA-1' = 'ab' AND file:size > 5]", "[x:y[*].z NOT MATCHES 'q'] FOLLOWEDBY [a:b = h'00'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
		"[a:b IN ('x', 'y'", "[a:b = 'unterminated", "[EXISTS a:b]",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		var doc bytes.Buffer
		doc.WriteString(`{"type": "bundle", "objects": [{"type": "indicator", "pattern": `)
		q, _ := jsonQuote(pattern)
		doc.Write(q)
		doc.WriteString(`}]}`)
		var b match.Builder
		rep, err := feed.Load(&b, &doc, feed.Source{Name: "fuzz", Format: feed.FormatSTIX})
		if err != nil && !errors.Is(err, feed.ErrEmpty) {
			var le *feed.LineError
			if !errors.As(err, &le) || !errors.Is(err, feed.ErrMalformed) {
				t.Fatalf("unexpected error: %v", err)
			}
		}
		for _, e := range rep.Errors {
			var le *feed.LineError
			if !errors.As(e, &le) || le.Line != 1 {
				t.Fatalf("error without file:line: %v", e)
			}
		}
	})
}

func FuzzMISP(f *testing.F) {
	fuzzFormat(f, feed.FormatMISP, "misp",
		`{"Event": {"Attribute": [{"type": "ip-dst|port", "value": "1.2.3.4|x", "to_ids": "1"}], "Object": [{"deleted": 1, "Attribute": 5}]}}`,
		`{"response": {"Event": {"Tag": null}}}`, `[{"Event": {}}] x`, "5fda21d6-81cc-47b3-9117-c19a0aba047c,5fda21d6-81cc-47b3-9117-c19a0aba047c\n")
}

func FuzzWarninglist(f *testing.F) {
	fuzzFormat(f, feed.FormatWarninglist, "warninglist", `{"type": "regex", "list": ["a"]}`, `{"type": "cidr", "list": [1, null, "::/0"], "matching_attributes": "x"}`)
}

// FuzzFilter fuzzes warninglists read as a Filter, and the Filter's
// matching.
func FuzzFilter(f *testing.F) {
	for _, p := range []string{"warninglist/cloudflare.json", "warninglist/url-shortener.json", "warninglist/empty-hashes.json"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "samples", p)); err == nil {
			f.Add(b, "104.16.1.1")
		}
	}
	f.Add([]byte(`{"type": "substring", "list": ["x"]}`), "http://x/")
	f.Fuzz(func(t *testing.T, list []byte, value string) {
		var flt feed.Filter
		if err := flt.Add(bytes.NewReader(list), "fuzz"); err != nil {
			return
		}
		for _, k := range []match.Kind{0, match.KindDomain, match.KindURL, match.KindIP, match.KindCIDR, match.KindEmail, match.KindMD5} {
			flt.Drops(match.Indicator{Kind: k, Value: value})
		}
	})
}

func FuzzZeek(f *testing.F) {
	fuzzFormat(f, feed.FormatZeek, "zeek", "#separator \\x2c\n#fields,indicator,indicator_type,meta.source\na.b,Intel::DOMAIN,x\n", "#fields indicator\nx\n", "x\n")
}

func FuzzSuricata(f *testing.F) {
	fuzzFormat(f, feed.FormatSuricata, "suricata", "YQ==,65535\nYQ==,65536\n====\n", "1.2.3.4,\n")
}

func FuzzLOKI(f *testing.F) {
	fuzzFormat(f, feed.FormatLOKI, "loki", "4D 5A;x;y\n;\n# c http://x\na.b;;\n")
}

func FuzzYARA(f *testing.F) {
	fuzzFormat(f, feed.FormatYARA, "yara",
		"rule a : t { meta: x = -1 strings: $a = { 41 [2-3] 42 } $b = \"\\x4\" xor(1-2) $c = /a\\/b/is condition: any of ($a*, $b) or $c }",
		"private global rule b { condition: true }", "include \"x\"\nrule c { strings: $a = { 41 // c\n 42 /* d */ } condition: 1 of them }", "rule", "rule d { strings: $a = \"x\" condition: $a matches /}/ }")
}

// FuzzDetect checks that Detect never panics and always names a format
// ParseFormat knows.
func FuzzDetect(f *testing.F) {
	filepath.WalkDir(filepath.Join("testdata", "samples"), func(p string, e os.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b, filepath.Base(p))
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		got := feed.Detect(head, name)
		if _, err := feed.ParseFormat(string(got)); err != nil {
			t.Fatalf("Detect returned %q: %v", got, err)
		}
	})
}

func jsonQuote(s string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range []byte(s) {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteByte(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteByte(r)
		}
	}
	b.WriteByte('"')
	return b.Bytes(), nil
}
