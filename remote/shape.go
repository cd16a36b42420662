package remote

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/sift-intel/sift/canon"
)

// The helpers below mirror unexported ones of package match, so that
// Client.Lookup dispatches a query exactly as match.Set.Lookup does, and
// e-mail keys are canonical exactly as the Builder makes them. They do not
// allocate. (TestLookupDispatch and the differential tests hold them to
// match's behaviour.)

// parseAddr is netip.ParseAddr without the allocation of its error, as in
// match.
func parseAddr(q string) (netip.Addr, bool) {
	if strings.IndexByte(q, ':') < 0 {
		return parseIPv4(q)
	}
	if !maybeAddr(q) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(q)
	return a, err == nil
}

// parseIPv4 parses a dotted quad as netip.ParseAddr does.
func parseIPv4(q string) (netip.Addr, bool) {
	var b [4]byte
	part, digits, n := 0, 0, 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case '0' <= c && c <= '9':
			if digits == 1 && n == 0 {
				return netip.Addr{}, false // a leading zero, which netip refuses
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

// maybeAddr screens q before netip.ParseAddr: an IPv6 address has only hex
// digits, dots and colons, and a zone after '%'.
func maybeAddr(q string) bool {
	if q == "" {
		return false
	}
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case '0' <= c && c <= '9', c == '.', c == ':', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		case c == '%':
			return true
		default:
			return false
		}
	}
	return true
}

// looksLikeURL reports whether s has a scheme and "://", or a host and a
// path, as match decides.
func looksLikeURL(s string) bool {
	if i := strings.Index(s, "://"); i > 0 {
		for j := 0; j < i; j++ {
			c := s[j]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
				return false
			}
		}
		return true
	}
	if i := strings.IndexByte(s, '/'); i > 0 {
		return looksLikeHost(s[:i])
	}
	return false
}

// looksLikeHost reports whether s has the shape of a DNS name with at least
// two labels, as match decides.
func looksLikeHost(s string) bool {
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

// appendEmail appends the canonical form of an e-mail address as match's
// Builder makes it: the local part in lower case, '@', the host
// canonicalised by canon.AppendHost. ok is false for what the Builder
// refuses.
func appendEmail(dst []byte, v string) ([]byte, bool) {
	v = strings.TrimPrefix(strings.TrimSuffix(v, ">"), "<")
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return dst, false
	}
	local := v[:at]
	if len(local) > 64 || strings.ContainsAny(local, " \t\r\n<>()[],;:\\\"@") {
		return dst, false
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
	if err != nil || bytes.IndexByte(out[len(dst):], '.') < 0 {
		return dst[:start], false
	}
	return out, true
}

// appendJA3 appends a JA3 fingerprint (32 hex digits) in lower case.
func appendJA3(dst []byte, v string) ([]byte, bool) {
	if len(v) != 32 {
		return dst, false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
		default:
			return dst, false
		}
		dst = append(dst, c)
	}
	return dst, true
}

// decodeHex decodes s into dst, which must be len(s)/2 bytes; it reports
// false for a byte that is not hex.
func decodeHex(dst []byte, s string) bool {
	for i := range dst {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
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
