package match

import (
	"errors"
	"fmt"
	"github.com/sift-intel/sift/internal/shape"
	"net/netip"
	"strings"
	"time"
)

// Indicator is one entry of a feed: a value of some kind, what to do when it
// matches, and what is known about it.
//
// The zero Action is taken as ActionBlock, so an Indicator with only a Kind
// and a Value blocks. A zero Kind is detected from the value's shape, as
// [KindOf] does.
type Indicator struct {
	Kind   Kind
	Value  string
	Action Action
	Meta
}

// Meta is what a feed says about an indicator. Every field is optional.
type Meta struct {
	Source      string    // the feed's name, such as "urlhaus"
	Category    string    // such as "malware", "phishing", "c2"
	Severity    Severity  //
	Confidence  uint8     // 0–100; 0 when unknown
	Tags        []string  //
	FirstSeen   time.Time //
	LastSeen    time.Time //
	Expires     time.Time // after it, the indicator no longer matches; zero: never
	Reference   string    // where to read more, usually a URL
	Description string    //
}

// String returns the indicator as "kind:value".
func (ind Indicator) String() string { return ind.Kind.String() + ":" + ind.Value }

// Errors wrapped by the errors of [Builder.Add].
var (
	ErrInvalid     = errors.New("invalid value")
	ErrUnsupported = errors.New("not supported")
	ErrExpired     = errors.New("expired")
)

// IndicatorError reports an indicator that a [Builder] refused.
type IndicatorError struct {
	Kind   Kind   // the kind given or detected
	Value  string // the value as given
	Reason string
	Err    error // ErrInvalid, ErrUnsupported or ErrExpired
}

func (e *IndicatorError) Error() string {
	return fmt.Sprintf("%s %q: %s", e.Kind, truncate(e.Value, 120), e.Reason)
}

func (e *IndicatorError) Unwrap() error { return e.Err }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// KindOf returns the kind of value judged by its shape alone: 32, 40 or 64
// hex digits are a digest, an IP address or prefix is an IP or CIDR,
// local@host is an e-mail address, a value with a scheme or a path is a
// URL, and a host name is a domain. It returns KindUnknown for anything
// else; a JA3 fingerprint looks like an MD5 and needs its kind given. It
// does not allocate.
func KindOf(value string) Kind {
	switch len(value) {
	case 32, 40, 64:
		if shape.IsHex(value) {
			return hashKinds[len(value)/8]
		}
	}
	if a, ok := shape.ParseAddr(value); ok {
		if a.Zone() != "" {
			return KindUnknown
		}
		return KindIP
	}
	if i := strings.IndexByte(value, '/'); i >= 0 {
		if _, err := netip.ParsePrefix(value); err == nil {
			return KindCIDR
		}
		// An address and a number is a prefix, if a bad one
		// ("10.0.0.0/33"), not a URL with a numeric path.
		if _, ok := shape.ParseAddr(value[:i]); ok && i+1 < len(value) && strings.Trim(value[i+1:], "0123456789") == "" {
			return KindCIDR
		}
	}
	if shape.LooksLikeEmail(value) {
		return KindEmail
	}
	if shape.LooksLikeURL(value) {
		return KindURL
	}
	if shape.LooksLikeHost(value) {
		return KindDomain
	}
	return KindUnknown
}

// hashKinds maps a hex length / 8 to its kind.
var hashKinds = [9]Kind{4: KindMD5, 5: KindSHA1, 8: KindSHA256}

// digestLen returns the digest length in bytes of a hash kind.
func digestLen(k Kind) int {
	switch k {
	case KindMD5:
		return 16
	case KindSHA1:
		return 20
	case KindSHA256:
		return 32
	}
	return 0
}

// normalized is what validation learns of an indicator beyond its
// canonical value: its kind, and for IPs the prefix.
type normalized struct {
	kind   Kind
	prefix netip.Prefix
}

// appendCanonical validates ind's value for its kind and appends its
// canonical form to dst: raw digest bytes for hashes, netip's text for
// addresses and prefixes. It detects the kind when ind.Kind is
// KindUnknown. On error, dst is returned unchanged.
func appendCanonical(dst []byte, ind *Indicator) ([]byte, normalized, error) {
	v := strings.TrimSpace(ind.Value)
	k := ind.Kind
	if k == KindUnknown {
		k = KindOf(v)
	}
	fail := func(err error, format string, args ...any) ([]byte, normalized, error) {
		return dst, normalized{}, &IndicatorError{Kind: k, Value: ind.Value, Reason: fmt.Sprintf(format, args...), Err: err}
	}
	if v == "" {
		return fail(ErrInvalid, "empty value")
	}
	switch k {
	case KindUnknown:
		return fail(ErrInvalid, "not a domain, URL, IP address, prefix or hash")
	case KindMD5, KindSHA1, KindSHA256:
		n := digestLen(k)
		if len(v) != 2*n {
			return fail(ErrInvalid, "%s needs %d hex digits, got %d characters", k, 2*n, len(v))
		}
		var d [32]byte
		for i := range n {
			hi, ok1 := shape.Unhex(v[2*i])
			lo, ok2 := shape.Unhex(v[2*i+1])
			if !ok1 || !ok2 {
				return fail(ErrInvalid, "not hex at character %d", 2*i+1+b2i(ok1))
			}
			d[i] = hi<<4 | lo
		}
		return append(dst, d[:n]...), normalized{kind: k}, nil
	case KindIP, KindCIDR:
		var p netip.Prefix
		if strings.IndexByte(v, '/') >= 0 {
			var err error
			if p, err = netip.ParsePrefix(v); err != nil {
				return fail(ErrInvalid, "not an IP prefix: %v", err)
			}
		} else {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return fail(ErrInvalid, "not an IP address: %v", err)
			}
			if a.Zone() != "" {
				return fail(ErrInvalid, "an address with a zone cannot be an indicator")
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if a := p.Addr(); a.Is4In6() {
			// IPv4-mapped IPv6 is IPv4: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
			if p.Bits() < 96 {
				return fail(ErrInvalid, "prefix %s covers more than the IPv4-mapped range", p)
			}
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		if p.IsSingleIP() {
			return p.Addr().AppendTo(dst), normalized{kind: KindIP, prefix: p}, nil
		}
		return p.AppendTo(dst), normalized{kind: KindCIDR, prefix: p}, nil
	case KindDomain:
		out, reason := appendDomain(dst, v)
		if reason != "" {
			return fail(ErrInvalid, "%s", reason)
		}
		return out, normalized{kind: k}, nil
	case KindURL:
		out, reason := appendURL(dst, v)
		if reason != "" {
			return fail(ErrInvalid, "%s", reason)
		}
		return out, normalized{kind: k}, nil
	case KindEmail, KindJA3:
		appendKind := shape.AppendEmail
		if k == KindJA3 {
			appendKind = shape.AppendJA3
		}
		out, reason := appendKind(dst, v)
		if reason != "" {
			return fail(ErrInvalid, "%s", reason)
		}
		return out, normalized{kind: k}, nil
	case KindPattern, KindUserAgent:
		appendKind := appendPattern
		if k == KindUserAgent {
			appendKind = appendUserAgent
		}
		// Patterns keep their spaces: v is not trimmed for them.
		out, reason := appendKind(dst, strings.TrimRight(ind.Value, "\r\n"))
		if reason != "" {
			return fail(ErrInvalid, "%s", reason)
		}
		return out, normalized{kind: k}, nil
	}
	return fail(ErrInvalid, "unknown kind")
}
