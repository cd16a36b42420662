package feed

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/match"
)

// kindPrefixes force the kind of a value in a plain list.
var kindPrefixes = []struct {
	prefix string
	kind   match.Kind
}{
	{"domain:", match.KindDomain},
	{"url:", match.KindURL},
	{"ip:", match.KindUnknown}, // an address or a prefix: the value says which
	{"hash:", match.KindUnknown},
	{"ua:", match.KindUserAgent},
	{"pattern:", match.KindPattern},
	{"ipattern:", match.KindPattern},
	{"hex:", match.KindPattern},
}

// parseList reads a plain list: one value a line; blank lines and lines
// starting with '#', ';' or '!' are comments, as is anything after " #" on
// a line. A line may start with a kind and a colon to force its kind.
func parseList(r io.Reader, src Source) iter.Seq[item] {
	return parseText(r, src, func(line []byte, out *lineOut) {
		ind, err := listLine(line, src)
		switch {
		case err == errComment:
		case err != nil:
			out.skip(err)
		default:
			out.add(ind)
		}
	})
}

var errComment = errors.New("comment")

func listLine(line []byte, src Source) (match.Indicator, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' || line[0] == ';' || line[0] == '!' {
		return match.Indicator{}, errComment
	}
	// An inline comment: maltrail writes "203.0.113.9 # scanner".
	if i := bytes.Index(line, []byte(" #")); i >= 0 {
		line = bytes.TrimSpace(line[:i])
	} else if i := bytes.Index(line, []byte("\t#")); i >= 0 {
		line = bytes.TrimSpace(line[:i])
	}
	v := string(line)
	ind := src.indicator()
	for _, p := range kindPrefixes {
		if len(v) > len(p.prefix) && strings.EqualFold(v[:len(p.prefix)], p.prefix) {
			ind.Kind = p.kind
			v = strings.TrimSpace(v[len(p.prefix):])
			switch p.prefix {
			case "hex:", "ipattern:", "pattern:":
				// Patterns keep their spaces; the kind prefix says how
				// to read them.
				ind.Value = strings.ToLower(p.prefix) + v
				return ind, nil
			case "ua:":
				// A User-Agent substring is the literal text.
				ind.Value = v
				return ind, nil
			}
			break
		}
	}
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		if isRule(v) {
			return match.Indicator{}, errRule
		}
		// md5sum(1) and sha*sum(1) output: "<digest>  <file>" or
		// "<digest> *<file>".
		if k := match.KindOf(v[:i]); k.IsHash() && (strings.HasPrefix(v[i:], "  ") || strings.HasPrefix(v[i:], " *")) {
			ind.Kind, ind.Value = k, v[:i]
			if ind.Description == "" {
				ind.Description = strings.TrimPrefix(v[i+1:], " ")
				ind.Description = strings.TrimPrefix(ind.Description, "*")
			}
			return ind, nil
		}
		return match.Indicator{}, errors.New("unexpected text after the value")
	}
	if ind.Kind == match.KindUnknown {
		ind.Kind = src.Kind
	}
	if ind.Kind == match.KindUnknown {
		ind.Kind = match.KindOf(v)
	}
	if ind.Kind == match.KindUnknown {
		if isAddrPort(v) {
			return match.Indicator{}, errAddrPort
		}
		return match.Indicator{}, errors.New("not a domain, URL, IP address, prefix or hash")
	}
	ind.Value = v
	return ind, nil
}

// errAddrPort is why maltrail's "address:port" trails are skipped:
// maltrail lists an address alone when the address is the indicator, and
// address:port when only that service is; an IP indicator would widen the
// latter to every port of a possibly shared host.
var errAddrPort = skip("ip:port entries are not loaded: a port is not part of an IP indicator")

// errRule is why Suricata and Snort rules are skipped: what a rule matches
// depends on its protocol, buffer, modifiers and other conditions, which
// no indicator carries; lifting its content strings out would change what
// it means.
var errRule = skip("Suricata/Snort rules are not loaded: what a rule matches depends on its buffers and conditions")

// isRule reports whether a line is a Suricata or Snort rule.
func isRule(v string) bool {
	for _, action := range []string{"alert ", "drop ", "pass ", "reject ", "rejectsrc ", "rejectdst ", "rejectboth ", "log "} {
		if strings.HasPrefix(v, action) {
			return strings.Contains(v, "(") && strings.Contains(v, "sid:")
		}
	}
	return false
}

// isAddrPort reports whether v is an address and a port, as maltrail
// writes them: "192.0.2.1:8080" or "[2001:db8::1]:443".
func isAddrPort(v string) bool {
	_, _, ok := splitAddrPort(v)
	return ok
}

// splitAddrPort splits "192.0.2.1:8080" or "[2001:db8::1]:443".
func splitAddrPort(v string) (addr string, port uint16, ok bool) {
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().String(), ap.Port(), true
	}
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return "", 0, false
	}
	p, err := strconv.ParseUint(v[i+1:], 10, 16)
	if err != nil {
		return "", 0, false
	}
	a := strings.Trim(v[:i], "[]")
	if _, err := netip.ParseAddr(a); err != nil {
		return "", 0, false
	}
	return a, uint16(p), true
}
