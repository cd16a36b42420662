// Package shape tells what kind of value a query or an indicator is, and
// puts e-mail addresses and JA3 fingerprints in their canonical form,
// without allocating. Package match and package remote decide with the
// same functions, so that a remote lookup dispatches a query exactly as a
// local one.
package shape

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/sift-intel/sift/canon"
)

// ParseAddr is netip.ParseAddr without the allocation of its error:
// dotted-quad IPv4 is parsed here, and only strings that can be IPv6 reach
// netip.ParseAddr.
func ParseAddr(q string) (netip.Addr, bool) {
	if !containsColon(q) {
		return ParseIPv4(q)
	}
	if !maybeAddr(q) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(q)
	return a, err == nil
}

// ParseIPv4 parses a dotted quad as netip.ParseAddr does, keeping nothing
// of q.
func ParseIPv4(q string) (netip.Addr, bool) {
	var b [4]byte
	part, digits, n := 0, 0, 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 1 && n == 0 {
				return netip.Addr{}, false // leading zero, as netip refuses
			}
			n = n*10 + int(c-'0')
			digits++
			if n > 255 {
				return netip.Addr{}, false
			}
		case c == '.' && digits > 0 && part < 3:
			b[part] = byte(n)
			part, digits, n = part+1, 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if part != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	b[3] = byte(n)
	return netip.AddrFrom4(b), true
}

// maybeAddr screens a string with a colon before netip.ParseAddr, whose
// error allocates: an IPv6 address has two to eight colons and otherwise
// hex digits and dots, then perhaps a zone after '%'. What passes may still
// be refused by netip (and allocate): the screen is for the common
// non-addresses, such as "host:port" and "a:b".
func maybeAddr(q string) bool {
	colons := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case '0' <= c && c <= '9', c == '.', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		case c == ':':
			colons++
		case c == '%':
			return colons >= 2 && colons <= 8
		default:
			return false
		}
	}
	return colons >= 2 && colons <= 8
}

// containsColon is strings.IndexByte(q, ':') >= 0, inlined.
func containsColon(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] == ':' {
			return true
		}
	}
	return false
}

// LooksLikeEmail reports whether s has the shape local@host.
func LooksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && !strings.ContainsAny(s, "/: \t") && LooksLikeHost(s[at+1:])
}

// LooksLikeURL reports whether s has a scheme and "://", or a host and
// a path, as many feeds write URLs: "evil.example/x.exe".
func LooksLikeURL(s string) bool {
	if i := strings.Index(s, "://"); i > 0 {
		for j := 0; j < i; j++ {
			c := s[j]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
				return false
			}
		}
		return true
	}
	// A host followed by a path, as in many feeds: "evil.example/x.exe".
	if i := strings.IndexByte(s, '/'); i > 0 {
		return LooksLikeHost(s[:i])
	}
	return false
}

// LooksLikeHost reports whether s has the shape of a DNS name with at least
// two labels: letters, digits, hyphens, underscores, and IDN in any form.
func LooksLikeHost(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > 253 || strings.IndexByte(s, '.') < 0 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '*' && i == 0, c >= 0x80:
		default:
			return false
		}
		label++
		if label > 63 && s[i] < 0x80 {
			return false
		}
	}
	return label > 0
}

// IsHex reports whether s holds only hex digits, in either case.
func IsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Unhex returns the value of the hex digit c.
func Unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// AppendEmail validates an e-mail address and appends its canonical form:
// the local part and the host in lower case, the host canonicalised as a
// domain (punycode, dots). Mail systems may treat local parts as case
// sensitive; feeds and senders do not, and a case difference should not
// let a listed address through. The reason is "" for a valid address;
// otherwise dst comes back unchanged.
func AppendEmail(dst []byte, v string) ([]byte, string) {
	v = strings.TrimPrefix(strings.TrimSuffix(v, ">"), "<")
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return dst, "not an e-mail address: needs a local part, '@' and a domain"
	}
	local := v[:at]
	if len(local) > 64 || strings.ContainsAny(local, " \t\r\n<>()[],;:\\\"@") {
		return dst, "invalid local part"
	}
	start := len(dst)
	for i := 0; i < len(local); i++ {
		c := local[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, '@')
	out, err := canon.AppendHost(dst, v[at+1:])
	if err != nil {
		return dst[:start], "invalid domain: " + err.Error()
	}
	if bytes.IndexByte(out[len(dst):], '.') < 0 {
		return dst[:start], "the domain has a single label"
	}
	return out, ""
}

// AppendJA3 validates a JA3 fingerprint, an MD5 in hex, and appends it in
// lower case. The reason is "" for a valid fingerprint.
func AppendJA3(dst []byte, v string) ([]byte, string) {
	if len(v) != 32 || !IsHex(v) {
		return dst, "a JA3 fingerprint is 32 hex digits"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'F' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, ""
}

// DecodeHex decodes s into dst, which must be len(s)/2 bytes long; it
// reports false for a byte that is not a hex digit.
func DecodeHex(dst []byte, s string) bool {
	for i := range dst {
		hi, ok1 := Unhex(s[2*i])
		lo, ok2 := Unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}
