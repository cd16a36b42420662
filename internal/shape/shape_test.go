package shape

import (
	"net/netip"
	"testing"
)

var addrSeeds = []string{"", "1.2.3.4", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "::1", "::ffff:1.2.3.4",
	"fe80::1%eth0", "2001:db8::", "1.2.3.4%x", "abc", "a:b", "1..2.3", ":", "1.2.3.4 ", "0.0.0.0", "255.255.255.255"}

// ParseAddr must agree with netip.ParseAddr on every input.
func FuzzParseAddr(f *testing.F) {
	for _, s := range addrSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := netip.ParseAddr(s)
		got, ok := ParseAddr(s)
		if ok != (err == nil) || ok && got != want {
			t.Fatalf("ParseAddr(%q) = %v, %v; netip: %v, %v", s, got, ok, want, err)
		}
	})
}

// Valid addresses and the common non-addresses parse without allocating;
// a string that looks like IPv6 but is not ("1:2:3:4:5:6:7:8:9") reaches
// netip and its error.
func TestParseAddrAllocs(t *testing.T) {
	for _, s := range append(addrSeeds, "evil.example:8080", "10.0.0.1:443", "[::1]:80") {
		if n := testing.AllocsPerRun(10, func() { ParseAddr(s) }); n != 0 {
			t.Errorf("ParseAddr(%q): %v allocations", s, n)
		}
	}
}

func TestAppendEmail(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"User@Example.COM", "user@example.com"},
		{"<a.b@xn--bcher-kva.example>", "a.b@xn--bcher-kva.example"},
		{"x@bücher.example", "x@xn--bcher-kva.example"},
		{"@example.com", ""}, {"a@", ""}, {"a b@example.com", ""}, {"a@localhost", ""},
	} {
		got, reason := AppendEmail([]byte("keep:"), c.in)
		if c.want == "" {
			if reason == "" || string(got) != "keep:" {
				t.Errorf("AppendEmail(%q) = %q, %q; want a reason and dst unchanged", c.in, got, reason)
			}
			continue
		}
		if reason != "" || string(got) != "keep:"+c.want {
			t.Errorf("AppendEmail(%q) = %q, %q; want %q", c.in, got, reason, c.want)
		}
	}
}

func TestLooksLike(t *testing.T) {
	for _, c := range []struct {
		s                string
		url, host, email bool
	}{
		{"http://evil.example/x", true, false, false},
		{"evil.example/x.exe", true, false, false},
		{"evil.example", false, true, false},
		{"*.evil.example", false, true, false},
		{"a@evil.example", false, false, true},
		{"localhost", false, false, false},
		{"1http://x", false, false, false},
		{"ex ample.com", false, false, false},
	} {
		if LooksLikeURL(c.s) != c.url || LooksLikeHost(c.s) != c.host || LooksLikeEmail(c.s) != c.email {
			t.Errorf("%q: url %v host %v email %v", c.s, LooksLikeURL(c.s), LooksLikeHost(c.s), LooksLikeEmail(c.s))
		}
	}
}
