package canon

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile converts non-ASCII hosts to A-labels the way browsers do:
// the WHATWG URL Standard's "domain to ASCII", that is UTS #46 with
// CheckHyphens=false, CheckBidi=true, CheckJoiners=true,
// UseSTD3ASCIIRules=false, Transitional_Processing=false and
// VerifyDnsLength=false. The mapping step lower-cases, applies width and
// compatibility mappings (full-width digits and the ideographic full stop
// become ASCII, so "１２７。０。０。１" is 127.0.0.1) and removes ignored
// code points such as the soft hyphen.
//
// idna.Lookup is stricter than browsers in two ways that matter for threat
// data: it applies the STD3 rules, rejecting '_' (common in real hostnames,
// e.g. "_dmarc" or CDN names), and CheckHyphens, rejecting labels such as
// "r3---sn-abc" or "-x-". A host a browser visits must canonicalise to what
// the browser resolves, so this profile follows the browser. idna.Punycode
// does no mapping at all ("ÜMLAT.com" would not equal "ümlat.com").
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
)

// toASCII converts a non-ASCII host with idnaProfile; the result is ASCII.
func toASCII(h string) (string, error) {
	if len(h) > maxIDNAInput {
		return "", ErrHostTooLong
	}
	if !utf8.ValidString(h) {
		return "", ErrHostChar
	}
	a, err := idnaProfile.ToASCII(h)
	if err != nil {
		return "", ErrIDNA
	}
	for i := 0; i < len(a); i++ {
		if a[i] >= utf8.RuneSelf {
			return "", ErrIDNA
		}
	}
	return a, nil
}

// appendURLHost appends the canonical form of a URL's unbracketed host h
// (unescaped, without userinfo and port).
//
// A host in a URL is bytes, as in the Safe Browsing rules: besides the
// steps below nothing is validated, and the bytes of mustEscape are
// escaped ("http://\x01\x80.com/" gives "%01%80.com"). A non-ASCII host
// that is valid UTF-8 is converted to punycode (ErrIDNA when that fails); a
// host that is not valid UTF-8 cannot be an IDN and keeps its bytes.
func appendURLHost[T text](out []byte, h T) ([]byte, netip.Addr, error) {
	start := len(out)
	ascii := true
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	var nesc int
	if !ascii && utf8.ValidString(string(h)) {
		a, err := toASCII(string(h))
		if err != nil {
			return out, netip.Addr{}, err
		}
		// The mapping turns full-width forms into ASCII delimiters
		// ("a／b" is "a/b"), which would end the host when the output is
		// parsed again, and into '%'; punycode also moves a label's ASCII
		// to its front, so "%ѹ00" becomes "xn--%00-jld": a new escape,
		// decoded when the output is parsed again. Browsers refuse all of
		// these (forbidden domain code points).
		if strings.ContainsAny(a, "/?\\@:[]%") {
			return out, netip.Addr{}, ErrIDNA
		}
		out, nesc = appendLowerDots(out, a)
	} else {
		out, nesc = appendLowerDots(out, h)
	}
	n := len(out) - start
	if n == 0 {
		return out[:start], netip.Addr{}, ErrNoHost
	}
	if out[start] == '[' {
		// "http://.[x/": without its dots the host would read as an IPv6
		// literal when the output is parsed again.
		return out[:start], netip.Addr{}, ErrIPv6
	}
	if ip, ok := urlIPv4(out[start:]); ok {
		a := netip.AddrFrom4(ip)
		return a.AppendTo(out[:start]), a, nil
	}
	if n > MaxHostLength {
		return out[:start], netip.Addr{}, ErrHostTooLong
	}
	if nesc > 0 {
		out = escapeInPlace(out, start, nesc)
	}
	return out, netip.Addr{}, nil
}

// appendLowerDots appends h with ASCII letters lower-cased, leading and
// trailing dots removed and runs of dots collapsed to one, and returns the
// number of bytes appended that mustEscape.
func appendLowerDots[T text](out []byte, h T) ([]byte, int) {
	// Most hosts are lower-case names without stray dots, copied in one go.
	var f byte
	prev := byte('.') // a leading dot counts as a doubled one
	for i := 0; i < len(h); i++ {
		c := h[i]
		f |= hostClass[c]
		if c == '.' && prev == '.' {
			f |= 1
		}
		prev = c
	}
	if f == 0 && prev != '.' {
		return append(out, h...), 0
	}
	nesc := 0
	dot := false
	i := 0
	for i < len(h) && h[i] == '.' {
		i++
	}
	for ; i < len(h); i++ {
		c := h[i]
		if c == '.' {
			dot = true
			continue
		}
		if dot {
			out = append(out, '.')
			dot = false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		} else if mustEscape[c] {
			nesc++
		}
		out = append(out, c)
	}
	return out, nesc
}

// hostClass marks the bytes that keep a host off the fast path of
// appendLowerDots: upper-case letters and bytes to escape.
var hostClass = func() (t [256]byte) {
	for c := range 256 {
		if mustEscape[c] || 'A' <= c && c <= 'Z' {
			t[c] = 1
		}
	}
	return t
}()

// escapeInPlace percent-escapes out[start:], which holds nesc bytes that
// mustEscape, by growing out and moving bytes from the end backwards.
func escapeInPlace(out []byte, start, nesc int) []byte {
	n := len(out)
	out = append(out, make([]byte, 2*nesc)...)
	j := len(out)
	for i := n - 1; i >= start; i-- {
		c := out[i]
		if mustEscape[c] {
			j -= 3
			out[j], out[j+1], out[j+2] = '%', upperhex[c>>4], upperhex[c&0xf]
		} else {
			j--
			out[j] = c
		}
	}
	return out
}

// appendIPv6 appends the canonical form of the IPv6 literal s (without its
// brackets), by the Safe Browsing v5 rules: "[compressed]" (RFC 5952:
// lower case, no leading zeros, the longest run of zero groups as "::"),
// and an IPv4-mapped (::ffff:0:0/96) or NAT64 well-known-prefix
// (64:ff9b::/96) address as its IPv4 address. A zone is refused.
func appendIPv6[T text](out []byte, s T) ([]byte, netip.Addr, error) {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			return out, netip.Addr{}, ErrZone
		}
	}
	b, ok := parseIPv6(s)
	if !ok {
		return out, netip.Addr{}, ErrIPv6
	}
	a := netip.AddrFrom16(b)
	if a.Is4In6() {
		a = a.Unmap()
		return a.AppendTo(out), a, nil
	}
	if b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
		b[4]|b[5]|b[6]|b[7]|b[8]|b[9]|b[10]|b[11] == 0 {
		a = netip.AddrFrom4([4]byte(b[12:]))
		return a.AppendTo(out), a, nil
	}
	out = append(out, '[')
	out = a.AppendTo(out)
	return append(out, ']'), a, nil
}

// parseIPv6 parses an IPv6 address without zone, accepting what
// netip.ParseAddr accepts for IPv6 (the differential test holds it to
// that): eight groups of one to four hex digits, one "::" standing for at
// least one zero group, and optionally the last 32 bits as a dotted quad of
// decimal octets without leading zeros. It exists because netip.ParseAddr
// allocates its error, and a failing lookup must not allocate.
func parseIPv6[T text](s T) (ip [16]byte, ok bool) {
	ellipsis := -1 // byte index in ip where "::" stands
	i, j := 0, 0
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis, i = 0, 2
	}
	for i < len(s) {
		if j == 16 {
			return ip, false
		}
		off := i
		acc := 0
		for i < len(s) && i-off < 4 {
			d := unhex(s[i])
			if d > 0xf {
				break
			}
			acc = acc<<4 | int(d)
			i++
		}
		if i == off {
			return ip, false
		}
		if i < len(s) && s[i] == '.' {
			// An IPv4 tail: the last 32 bits, and the end of s.
			if j > 12 || ellipsis < 0 && j != 12 {
				return ip, false
			}
			v4, ok := parseDottedQuad(s[off:])
			if !ok {
				return ip, false
			}
			copy(ip[j:], v4[:])
			j += 4
			break
		}
		if i < len(s) && unhex(s[i]) <= 0xf {
			return ip, false // a group of more than four digits
		}
		ip[j], ip[j+1] = byte(acc>>8), byte(acc)
		j += 2
		if i == len(s) {
			break
		}
		if s[i] != ':' {
			return ip, false
		}
		i++
		if i == len(s) {
			return ip, false // a trailing single ':'
		}
		if s[i] == ':' {
			if ellipsis >= 0 {
				return ip, false
			}
			ellipsis = j
			i++
		}
	}
	switch {
	case ellipsis < 0 && j != 16:
		return ip, false
	case ellipsis >= 0 && j == 16:
		return ip, false // "::" must stand for at least one group
	case ellipsis >= 0:
		n := 16 - j
		copy(ip[ellipsis+n:], ip[ellipsis:j])
		clear(ip[ellipsis : ellipsis+n])
	}
	return ip, true
}

// parseDottedQuad parses exactly four decimal octets without leading
// zeros, the only IPv4 form inside an IPv6 literal.
func parseDottedQuad[T text](s T) (ip [4]byte, ok bool) {
	i := 0
	for k := range 4 {
		if k > 0 {
			if i == len(s) || s[i] != '.' {
				return ip, false
			}
			i++
		}
		off, v := i, 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' && i-off < 3 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == off || v > 255 || i-off > 1 && s[off] == '0' {
			return ip, false
		}
		ip[k] = byte(v)
	}
	return ip, i == len(s)
}

// urlIPv4 reads a URL's host h (lower-cased, dots collapsed, unescaped) as
// an IPv4 address. As Safe Browsing clients do (Google's Go and Python
// clients, like inet_aton), it reads up to a space and ignores the rest:
// "10.192.95.89 xy" is 10.192.95.89.
func urlIPv4(h []byte) ([4]byte, bool) {
	if len(h) == 0 || h[0] < '0' || h[0] > '9' {
		// Every spelling starts with a digit; names fail here at once.
		return [4]byte{}, false
	}
	for i, c := range h {
		if c == ' ' {
			h = h[:i]
			break
		}
	}
	return parseIPv4(h)
}

// parseIPv4 parses s as an IPv4 address in any of the spellings that
// inet_aton and the WHATWG URL Standard accept: one to four parts separated
// by dots, each decimal, octal (a leading 0) or hexadecimal (a leading 0x
// or 0X; "0x" alone is 0); every part but the last at most 255, the last
// filling the remaining bytes ("3279880203" is 195.127.0.11, "0x7f.1" is
// 127.0.0.1, "12.0x12.01234" is 12.18.2.156). Anything else is not an
// address: more than four parts, an empty part, a bad digit ("089"), a
// part too large ("276.2.3") or a value beyond 32 bits.
func parseIPv4(s []byte) (ip [4]byte, ok bool) {
	var parts [4]uint32
	n := 0
	i := 0
	for {
		if n == 4 || i == len(s) {
			return ip, false
		}
		v, j, ok := parseIPv4Part(s, i)
		if !ok {
			return ip, false
		}
		parts[n] = v
		n++
		if j == len(s) {
			break
		}
		if s[j] != '.' {
			return ip, false
		}
		i = j + 1
	}
	var x uint32
	for k := range n - 1 {
		if parts[k] > 255 {
			return ip, false
		}
		x |= parts[k] << (24 - 8*k)
	}
	last := parts[n-1]
	if n > 1 && uint64(last) >= 1<<(8*(5-n)) {
		return ip, false
	}
	x |= last
	return [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}, true
}

// parseIPv4Part parses one part starting at s[i], up to the next '.' or
// the end; it returns its value and where it stopped.
func parseIPv4Part(s []byte, i int) (v uint32, end int, ok bool) {
	base := uint64(10)
	switch {
	case i+1 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x':
		base, i = 16, i+2
	case i+1 < len(s) && s[i] == '0' && s[i+1] != '.':
		base, i = 8, i+1
	}
	start := i
	var x uint64
	for ; i < len(s) && s[i] != '.'; i++ {
		d := uint64(unhex(s[i]))
		if d >= base {
			return 0, i, false
		}
		x = x*base + d
		if x > 0xffffffff {
			return 0, i, false
		}
	}
	if i == start && base == 10 {
		return 0, i, false // an empty part
	}
	return uint32(x), i, true
}

// AppendHost appends the canonical form of a host name or IP address to
// dst, for domain indicators and domain queries (an HTTP Host header
// without its port, a TLS SNI, a DNS QNAME), and returns the extended
// buffer. For every host it accepts, the result equals the Host of a URL
// with that host.
//
//   - ASCII letters are lower-cased; leading and trailing dots are removed
//     and runs of dots collapsed ("WWW..Example.COM." is www.example.com);
//   - a non-ASCII host is converted to punycode A-labels by the WHATWG
//     profile of UTS #46 (see the package documentation); ASCII hosts are
//     not checked against IDNA, so a malformed "xn--" label passes as is;
//   - an IPv4 address in any spelling becomes a dotted quad ("0x7f.1" is
//     127.0.0.1); an IPv6 address, bracketed or not, becomes "[compressed]",
//     or an IPv4 address when it is IPv4-mapped or NAT64; a zone is refused
//     (ErrZone);
//   - after that, the host may hold only letters, digits, '-', '_' and '.'
//     (ErrHostChar otherwise: '*', spaces, '%', '/', a port, invalid
//     UTF-8). '_' is accepted because real names use it; hyphens are
//     accepted anywhere in a label, as browsers do;
//   - a label is at most 63 bytes (ErrLabelTooLong) and the host at most
//     MaxHostLength bytes (ErrHostTooLong); an empty host is ErrEmpty.
//
// On error AppendHost returns dst unchanged. It does not allocate for
// ASCII input when dst has room for the result.
func AppendHost(dst []byte, host string) ([]byte, error) {
	if len(host) == 0 {
		return dst, ErrEmpty
	}
	if len(host) > MaxURLLength {
		return dst, ErrTooLong
	}
	start := len(dst)
	if host[0] == '[' {
		if host[len(host)-1] != ']' {
			return dst, ErrIPv6
		}
		out, _, err := appendIPv6(dst, host[1:len(host)-1])
		if err != nil {
			return dst, err
		}
		return out, nil
	}
	ascii := true
	colon := false
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == ':':
			colon = true
		}
	}
	if colon {
		// A ':' outside brackets is an IPv6 address or nothing valid
		// (a host must come without its port).
		out, _, err := appendIPv6(dst, host)
		if err == ErrIPv6 {
			err = ErrHostChar
		}
		if err != nil {
			return dst, err
		}
		return out, nil
	}
	if !ascii {
		a, err := toASCII(host)
		if err != nil {
			return dst, err
		}
		host = a
	}
	out := dst
	label := 0
	dot := false
	i := 0
	for i < len(host) && host[i] == '.' {
		i++
	}
	for ; i < len(host); i++ {
		c := host[i]
		switch {
		case c == '.':
			dot = true
			continue
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		default:
			return dst, ErrHostChar
		}
		if dot {
			out = append(out, '.')
			dot = false
			label = 0
		}
		if label++; label > 63 {
			return dst, ErrLabelTooLong
		}
		out = append(out, c)
		if len(out)-start > MaxHostLength {
			return dst, ErrHostTooLong
		}
	}
	if len(out) == start {
		return dst, ErrEmpty
	}
	if out[start] >= '0' && out[start] <= '9' {
		if ip, ok := parseIPv4(out[start:]); ok {
			return netip.AddrFrom4(ip).AppendTo(out[:start]), nil
		}
	}
	return out, nil
}

// IsCanonicalHost reports whether host is already in the form AppendHost
// gives it and is not an address: lower-case ASCII letters, digits, '-'
// and '_' in labels of 1 to 63 bytes, single dots between them, at most
// MaxHostLength bytes, and a first byte that is a letter (so no spelling of
// an IPv4 address). Lookups use it to skip canonicalisation for the common
// case; a false answer only means that AppendHost must do the work.
func IsCanonicalHost(host string) bool {
	if len(host) == 0 || len(host) > MaxHostLength || !('a' <= host[0] && host[0] <= 'z') {
		return false
	}
	label := 0
	for i := 0; i < len(host); i++ {
		switch c := host[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
			label++
			if label > 63 {
				return false
			}
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		default:
			return false
		}
	}
	return label > 0
}
