package canon

import (
	"net/netip"
	"strings"
)

// MaxURLLength is the longest input, in bytes, that Parse, AppendURL and
// AppendHost accept; longer input fails with ErrTooLong before any work is
// done. Every step after that check is linear in the input length (the
// repeated percent-unescaping included), and IDNA conversion is further
// limited to hosts of at most 1024 bytes, so the time per call is bounded.
// 64 KiB is far above what browsers send (Chromium caps URLs at 2 MiB only
// for display; servers refuse request lines beyond 8–16 KiB).
const MaxURLLength = 64 << 10

// MaxHostLength is the longest canonical host, in bytes, before percent-
// escaping: the DNS limit of 253 bytes for a name without its trailing dot.
// It also bounds a host to 127 labels.
const MaxHostLength = 253

// maxIDNAInput bounds the bytes of a non-ASCII host handed to IDNA
// conversion, whose punycode step is quadratic in the label length. A host
// whose A-label form fits MaxHostLength has at most 253 code points of at
// most 4 bytes each, so 1024 rejects no name DNS could resolve.
const maxIDNAInput = 1024

// text is the input of the generic parsing steps: the raw string itself
// when it needs no rewriting (the fast path copies nothing), or the bytes
// that removing tab/CR/LF and unescaping produced, staged in the caller's
// buffer.
type text interface{ ~string | ~[]byte }

// URL is a canonical URL split into its parts, as Parse returns it: the
// canonical bytes "scheme://host/path?query" and the offsets of the parts.
//
// A URL refers to bytes of the buffer given to Parse: it stays valid as
// long as the caller does not overwrite that part of the buffer, and
// copying a URL copies the reference, not the bytes. The slices its methods
// return alias those bytes and have their capacity clipped, so appending to
// one never overwrites the URL. A URL is immutable and may be shared by
// goroutines as long as its buffer is not written.
//
// The zero URL is invalid: IsValid reports false, String returns "", the
// part accessors return empty slices and Expressions yields nothing.
type URL struct {
	b     []byte     // the canonical URL
	host  int        // start of the host in b
	path  int        // start of the path in b (the end of the host)
	query int        // index of '?' in b, or len(b) without a query
	addr  netip.Addr // the host as an address, when it is an IP literal
}

// IsValid reports whether u is a URL that Parse returned (not the zero URL).
func (u URL) IsValid() bool { return len(u.b) != 0 }

// String returns the canonical URL. It allocates; Bytes does not.
func (u URL) String() string { return string(u.b) }

// Bytes returns the canonical URL, "scheme://host/path?query".
func (u URL) Bytes() []byte { return u.b }

// Scheme returns the lower-case scheme, "http" when the input had none.
func (u URL) Scheme() []byte {
	if u.host < 3 {
		return nil
	}
	return u.b[: u.host-3 : u.host-3]
}

// Host returns the canonical host: lower-case letters, no empty labels, no
// leading or trailing dot, IDN as punycode, an IPv4 address as a dotted
// quad, an IPv6 address as "[compressed]". Bytes <= 0x20, >= 0x7f, '#' and
// '%' are percent-escaped with upper-case hex, as in the whole URL.
func (u URL) Host() []byte { return u.b[u.host:u.path:u.path] }

// Path returns the canonical path together with the query: "/a/b?x=1". It
// always starts with '/'. An empty query keeps its '?'.
func (u URL) Path() []byte { return u.b[u.path:len(u.b):len(u.b)] }

// Query returns the query without its '?', and whether the URL has one
// (ok is true and q empty for "http://a/?").
func (u URL) Query() (q []byte, ok bool) {
	if u.query >= len(u.b) {
		return nil, false
	}
	return u.b[u.query+1 : len(u.b) : len(u.b)], true
}

// Addr returns the host as an address when it is an IP literal (an IPv4
// address in any spelling, or a bracketed IPv6 address), and the zero Addr
// otherwise. An IPv4-mapped or NAT64 (64:ff9b::/96) IPv6 literal is
// returned as IPv4, as the host is.
func (u URL) Addr() netip.Addr { return u.addr }

// Parse canonicalises raw by the Safe Browsing rules (see the package
// documentation) and returns it split into its parts.
//
// The canonical URL is appended to dst, and the URL refers to the appended
// bytes; pass buf[:0] to reuse a buffer. Parse also uses the capacity of
// dst beyond the appended bytes as scratch space when the input needs
// unescaping. It allocates only when dst has too little capacity (a stack
// buffer of a few hundred bytes holds typical URLs), and for non-ASCII
// hosts (IDNA conversion).
//
// On error Parse returns the zero URL and one of the Err* values.
func Parse(dst []byte, raw string) (URL, error) {
	start := len(dst)
	out, u, err := appendURL(dst, raw)
	if err != nil {
		return URL{}, err
	}
	u.b = out[start:len(out):len(out)]
	return u, nil
}

// AppendURL appends the canonical form of raw, "scheme://host/path?query",
// to dst and returns the extended buffer. On error it returns dst
// unchanged (bytes beyond len(dst) may have been used as scratch space)
// and one of the Err* values.
func AppendURL(dst []byte, raw string) ([]byte, error) {
	out, _, err := appendURL(dst, raw)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// appendURL appends the canonical URL to dst. The offsets of the returned
// URL are relative to the start of the appended bytes; its b is not set.
func appendURL(dst []byte, raw string) ([]byte, URL, error) {
	if len(raw) > MaxURLLength {
		return dst, URL{}, ErrTooLong
	}
	s, rewrite := prepare(raw)
	if len(s) == 0 {
		return dst, URL{}, ErrEmpty
	}
	if !rewrite {
		// Fast path: nothing to remove or unescape; the parts are
		// substrings of raw and only the output is written.
		return build(dst, s)
	}
	// Stage the unescaped input in dst after its length, build the output
	// after it, then move the output down over the staged bytes. The staged
	// bytes are only read while the output is appended after them (a
	// reallocation by append leaves the old array, and so the staged bytes,
	// untouched), and nothing derived from them outlives build.
	start := len(dst)
	dst = appendUnescaped(dst, s)
	mid := len(dst)
	out, u, err := build(dst, dst[start:mid])
	if err != nil {
		return dst[:start], URL{}, err
	}
	n := copy(out[start:], out[mid:])
	return out[:start+n], u, nil
}

// prepare drops the fragment (from the first '#') and trims leading and
// trailing C0 controls and spaces (bytes <= 0x20, which includes tab, CR
// and LF). It reports whether what is left holds a tab, CR, LF or '%', and
// so needs rewriting by appendUnescaped.
func prepare(raw string) (s string, rewrite bool) {
	s = raw
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	var f byte
	for i := 0; i < len(s); i++ {
		f |= needRewrite[s[i]]
	}
	return s, f != 0
}

// authClass marks the bytes that matter in an authority.
var authClass = [256]byte{'/': 1, '?': 1, '\\': 1, '@': 1, ':': 1}

// needRewrite marks the bytes that send the input through appendUnescaped.
var needRewrite = [256]byte{'\t': 1, '\r': 1, '\n': 1, '%': 1}

// appendUnescaped appends s to dst without its tab, CR and LF bytes and
// percent-unescaped until no escape is left.
//
// Repeated unescaping, pass after pass, can take a pass per two bytes of
// input ("%252525…"), quadratic time in all. Instead this reduces an escape
// as soon as one appears at the end of the output, and again while the
// decoded byte completes another escape with the bytes before it. The
// output never holds an escape, so the result is a string with no escapes
// left, in linear time (every reduction shrinks the output by two bytes).
// It is the same string the passes produce: escapes cannot overlap (the
// byte after '%' is a hex digit, never '%'), so the rewriting is confluent
// and every order of reductions ends in the same string.
func appendUnescaped(dst []byte, s string) []byte {
	start := len(dst)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\t', '\r', '\n':
			continue
		}
		dst = append(dst, c)
		for n := len(dst); n-start >= 3 && dst[n-3] == '%'; n = len(dst) {
			hi, lo := unhex(dst[n-2]), unhex(dst[n-1])
			if hi|lo > 0xf {
				break
			}
			dst[n-3] = hi<<4 | lo
			dst = dst[:n-2]
		}
	}
	return dst
}

// unhex returns the value of a hex digit, or 0xff.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

const upperhex = "0123456789ABCDEF"

// mustEscape reports the bytes the final step percent-escapes: <= 0x20,
// >= 0x7f, '#' and '%'.
var mustEscape = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c <= 0x20 || c >= 0x7f || c == '#' || c == '%'
	}
	return t
}()

// appendEscaped appends s with the bytes of mustEscape percent-escaped.
func appendEscaped[T text](dst []byte, s T) []byte {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !mustEscape[c] {
			continue
		}
		dst = append(dst, s[run:i]...)
		dst = append(dst, '%', upperhex[c>>4], upperhex[c&0xf])
		run = i + 1
	}
	return append(dst, s[run:]...)
}

// build parses the tab-free, fragment-free, fully unescaped input s and
// appends the canonical URL to dst.
func build[T text](dst []byte, s T) ([]byte, URL, error) {
	base := len(dst)
	scheme, rest, err := splitScheme(s)
	if err != nil {
		return dst, URL{}, err
	}
	out := dst
	if len(scheme) == 0 {
		out = append(out, "http://"...)
	} else {
		n := len(out)
		out = append(out, scheme...)
		for i := n; i < len(out); i++ {
			if c := out[i]; 'A' <= c && c <= 'Z' {
				out[i] = c + 'a' - 'A'
			}
		}
		out = append(out, "://"...)
	}
	hostStart := len(out)

	// The authority runs to the first '/', '?' or '\'. Browsers treat '\'
	// as '/' in http(s) URLs, so "http://evil.example\@good.example/"
	// goes to evil.example; so does this. Userinfo runs to the last '@' and
	// is dropped; the port, from the first ':' after it, too. One pass finds
	// all three.
	end, at, colon := 0, -1, -1
scan:
	for ; end < len(rest); end++ {
		c := rest[end]
		if authClass[c] == 0 {
			continue
		}
		switch c {
		case '/', '?', '\\':
			break scan
		case '@':
			at, colon = end, -1
		case ':':
			if colon < 0 {
				colon = end
			}
		}
	}
	auth := rest[at+1 : end]
	var addr netip.Addr
	if len(auth) > 0 && auth[0] == '[' {
		rb := 1
		for rb < len(auth) && auth[rb] != ']' {
			rb++
		}
		if rb == len(auth) || rb+1 < len(auth) && auth[rb+1] != ':' {
			return dst, URL{}, ErrIPv6
		}
		out, addr, err = appendIPv6(out, auth[1:rb])
	} else {
		if colon >= 0 {
			auth = rest[at+1 : colon]
		}
		out, addr, err = appendURLHost(out, auth)
	}
	if err != nil {
		return dst, URL{}, err
	}

	pathStart := len(out)
	pq := rest[end:]
	q := 0
	for q < len(pq) && pq[q] != '?' {
		q++
	}
	out = appendPath(out, pq[:q])
	queryAt := len(out)
	if q < len(pq) {
		// The query is kept as it is (it was unescaped with the rest of
		// the URL), '?', '/' and ';' included; only escaping applies.
		out = append(out, '?')
		out = appendEscaped(out, pq[q+1:])
	}
	return out, URL{host: hostStart - base, path: pathStart - base, query: queryAt - base, addr: addr}, nil
}

// splitScheme returns the scheme of s (empty when s has none) and what
// follows its "//" (all of s when it has no scheme).
//
//   - "scheme://rest": any syntactically valid scheme (a letter, then
//     letters, digits, '+', '-', '.') followed by "//" is kept;
//   - "host:port…" (a candidate scheme followed by ':' and digits up to
//     the end, '/', '?' or '\'): no scheme;
//   - "scheme:other" (mailto:, javascript:, data:, "http:/x"): ErrNoHost,
//     as such a URL has no authority, hence no host;
//   - "//rest" (scheme-relative): no scheme;
//   - anything else: no scheme, the whole of s is authority and path.
func splitScheme[T text](s T) (scheme, rest T, err error) {
	if len(s) >= 2 && s[0] == '/' && s[1] == '/' {
		return scheme, s[2:], nil
	}
	if len(s) == 0 || !isAlpha(s[0]) {
		return scheme, s, nil
	}
	i := 1
	for i < len(s) && (isAlpha(s[i]) || '0' <= s[i] && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.') {
		i++
	}
	if i == len(s) || s[i] != ':' {
		return scheme, s, nil
	}
	if len(s) >= i+3 && s[i+1] == '/' && s[i+2] == '/' {
		return s[:i], s[i+3:], nil
	}
	j := i + 1
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	if j > i+1 && (j == len(s) || s[j] == '/' || s[j] == '?' || s[j] == '\\') {
		return scheme, s, nil
	}
	return scheme, rest, ErrNoHost
}

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// pathIsCanonical reports whether p, which starts with '/' or '\', is
// already a canonical path: no '\', no byte to escape, no empty segment
// except a last one, no segment starting with '.' (a conservative test for
// "." and ".."). Most paths are; they are copied in one go.
func pathIsCanonical[T text](p T) bool {
	var f byte
	prev := byte(0)
	for i := 0; i < len(p); i++ {
		c := p[i]
		f |= pathClass[c]
		if prev == '/' && (c == '/' || c == '.') {
			return false
		}
		prev = c
	}
	return f == 0
}

// pathClass marks the bytes that send a path through the slow path.
var pathClass = func() (t [256]byte) {
	for c := range 256 {
		if mustEscape[c] || c == '\\' {
			t[c] = 1
		}
	}
	return t
}()

// appendPath appends the canonical path of p, the part of the URL between
// the authority and the query (empty, or starting with '/' or '\'): "/."
// and "/.." segments resolved, runs of slashes collapsed, '\' read as '/'
// (as browsers do in http(s) URLs), bytes escaped. The result starts with
// '/', and ends with '/' when p did or its last segment was "." or "..".
func appendPath[T text](out []byte, p T) []byte {
	if len(p) > 0 && pathIsCanonical(p) {
		return append(out, p...)
	}
	base := len(out)
	out = append(out, '/')
	// Every segment written is followed by '/'; the last one loses it at
	// the end unless the path ends in a directory.
	dir := true
	seg := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' && p[i] != '\\' {
			continue
		}
		switch n := i - seg; {
		case n == 0:
			dir = true
		case n == 1 && p[seg] == '.':
			dir = true
		case n == 2 && p[seg] == '.' && p[seg+1] == '.':
			// Drop the last segment written, if any: back to the '/'
			// before it. Escaping never produces '/', so a '/' in the
			// output is a separator.
			if len(out)-base > 1 {
				j := len(out) - 2
				for out[j] != '/' {
					j--
				}
				out = out[:j+1]
			}
			dir = true
		default:
			out = appendEscaped(out, p[seg:i])
			out = append(out, '/')
			dir = false
		}
		seg = i + 1
	}
	if !dir {
		out = out[:len(out)-1]
	}
	return out
}
