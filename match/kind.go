package match

import (
	"fmt"
	"strings"
)

// Kind is the kind of an indicator or a query: what its value is and how it
// matches. The zero Kind is KindUnknown.
type Kind uint8

// The kinds of indicators. The numbers are part of the serialised Set and
// never change.
const (
	KindUnknown   Kind = iota
	KindDomain         // a host name; matches itself and its subdomains
	KindURL            // a URL, matched as Safe Browsing expressions
	KindIP             // one IPv4 or IPv6 address
	KindCIDR           // an IPv4 or IPv6 prefix
	KindMD5            // an MD5 digest
	KindSHA1           // a SHA-1 digest
	KindSHA256         // a SHA-256 digest
	KindPattern        // a byte pattern, matched anywhere in a payload
	KindUserAgent      // a User-Agent substring
	KindEmail          // an e-mail address
	KindJA3            // a JA3 TLS client fingerprint (an MD5 in hex)
	numKinds
)

var kindNames = [numKinds]string{"unknown", "domain", "url", "ip", "cidr", "md5", "sha1", "sha256", "pattern", "useragent", "email", "ja3"}

// String returns the kind's lower-case name, as used in feeds and JSON.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// MarshalText implements [encoding.TextMarshaler].
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler]; it accepts the names
// that String returns, in any case.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if strings.EqualFold(n, string(b)) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("match: unknown kind %q", b)
}

// IsHash reports whether k is one of the file-digest kinds.
func (k Kind) IsHash() bool { return k == KindMD5 || k == KindSHA1 || k == KindSHA256 }

// Action is what a matching indicator asks the host to do. The zero Action
// is ActionNone: nothing matched.
type Action uint8

// The actions, in increasing order of force for block-side matches. An
// allow entry that matches overrides every monitor and block match.
const (
	ActionNone Action = iota
	ActionAllow
	ActionMonitor
	ActionBlock
	numActions
)

var actionNames = [numActions]string{"none", "allow", "monitor", "block"}

// String returns "none", "allow", "monitor" or "block".
func (a Action) String() string {
	if a < numActions {
		return actionNames[a]
	}
	return fmt.Sprintf("action(%d)", uint8(a))
}

// MarshalText implements [encoding.TextMarshaler].
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler].
func (a *Action) UnmarshalText(b []byte) error {
	for i, n := range actionNames {
		if strings.EqualFold(n, string(b)) {
			*a = Action(i)
			return nil
		}
	}
	return fmt.Errorf("match: unknown action %q", b)
}

// Severity grades how bad a match is. The zero Severity is
// SeverityUnknown: the source did not say.
type Severity uint8

// The severities, in increasing order.
const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
	numSeverities
)

var severityNames = [numSeverities]string{"unknown", "low", "medium", "high", "critical"}

// String returns the severity's lower-case name.
func (s Severity) String() string {
	if s < numSeverities {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", uint8(s))
}

// MarshalText implements [encoding.TextMarshaler].
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler].
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if strings.EqualFold(n, string(b)) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("match: unknown severity %q", b)
}
