package canon_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/sift-intel/sift/canon"
	"github.com/stretchr/testify/assert"
)

var ipv6Cases = []string{
	"::", "::1", "1::", "1::2", "2001:db8::1", "2001:0DB8:0000:0000:0000:0000:0000:0001", "1:2:3:4:5:6:7:8",
	"::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "64:ff9b::192.0.2.1", "fe80::1:2:3:4",
	"1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":1::", "1:::2", "1::2::3", "::1:", ":", ":::",
	"12345::", "1.2.3.4", "::1.2.3", "::1.2.3.4.5", "::01.2.3.4", "::256.1.1.1", "1:2:3:4:5:6:7:1.2.3.4",
	"::ffff:1.2.3.4:5", "g::", "::x", "", "0:0:0:0:0:0:0:0", "::0000:1", "::00000:1", "1::2:1.2.3.4",
}

// TestParseIPv6: the allocation-free IPv6 parser accepts exactly what
// netip.ParseAddr accepts as IPv6 without a zone, with the same value.
func TestParseIPv6(t *testing.T) {
	for _, s := range ipv6Cases {
		t.Run(s, func(t *testing.T) { checkIPv6(t, s) })
	}
}

func FuzzParseIPv6(f *testing.F) {
	for _, s := range ipv6Cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkIPv6(t, s) })
}

func checkIPv6(t *testing.T, s string) {
	t.Helper()
	got, ok := canon.ParseIPv6(s)
	want, err := netip.ParseAddr(s)
	wantOK := err == nil && want.Is6() && want.Zone() == "" && !strings.Contains(s, "%")
	if !assert.Equal(t, wantOK, ok, "%q: netip %v %v", s, want, err) || !ok {
		return
	}
	assert.Equal(t, want.As16(), got, "%q", s)
}
