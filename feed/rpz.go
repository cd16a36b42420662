package feed

import (
	"errors"
	"io"
	"iter"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/match"
)

// parseRPZ reads a DNS response policy zone in zone-file syntax. Each
// policy record's owner is a trigger and its record the action:
//
//   - QNAME triggers: "evil.example" becomes a domain indicator (which in
//     sift also matches subdomains: there is no exact-host kind) and
//     "*.evil.example" a subdomains-only one;
//   - response-IP triggers ("32.4.3.2.1.rpz-ip", "48.zz.db8.2001.rpz-ip")
//     become IP or CIDR indicators;
//   - CNAME "." (NXDOMAIN), "*." (NODATA), "rpz-drop.", a CNAME to a walled
//     garden, and local data (A, AAAA, TXT, …) block; "rpz-passthru." is
//     an allow indicator whatever Source.Action says;
//   - name-server and client-IP triggers (rpz-nsdname, rpz-nsip,
//     rpz-client-ip) and "rpz-tcp-only." are skipped with the reason.
//
// SOA and NS records at the apex, $TTL and $ORIGIN are zone plumbing.
// Owner names are relative to $ORIGIN when it is set; absolute names in it
// have it removed.
func parseRPZ(r io.Reader, src Source) iter.Seq[item] {
	var origin, last string
	paren := false
	parenLine := 0
	return parseTextEnd(r, src, func(line []byte, out *lineOut) {
		s := stripZoneComment(string(line))
		if paren {
			if strings.Contains(s, ")") {
				paren = false
			}
			return
		}
		if strings.TrimSpace(s) == "" {
			return
		}
		if strings.Contains(s, "(") && !strings.Contains(s, ")") {
			paren, parenLine = true, out.n // a record continued over lines: only SOA does that here
		}
		f := strings.Fields(s)
		if strings.HasPrefix(f[0], "$") {
			switch strings.ToUpper(f[0]) {
			case "$ORIGIN":
				if len(f) > 1 {
					origin = strings.ToLower(strings.TrimSuffix(f[1], "."))
				}
			case "$INCLUDE":
				out.skip(skip("$INCLUDE is not followed"))
			}
			return
		}
		owner := last
		if s[0] != ' ' && s[0] != '\t' {
			owner, f = f[0], f[1:]
			last = owner
		}
		// [TTL] [class] type rdata, TTL and class in either order.
		for len(f) > 0 && (isTTL(f[0]) || isClass(f[0])) {
			f = f[1:]
		}
		if len(f) == 0 {
			out.skip(errors.New("a record without a type"))
			return
		}
		typ, rdata := strings.ToUpper(f[0]), f[1:]
		name, apex := zoneName(owner, origin)
		if apex {
			return // SOA, NS and the like of the zone itself
		}
		switch typ {
		case "SOA", "NS":
			if typ == "NS" {
				out.skip(skip("NS records below the apex are not policy"))
			}
			return
		case "DNAME":
			out.skip(skip("DNAME records are not policy actions"))
			return
		}
		ind := src.indicator()
		if typ == "CNAME" {
			if len(rdata) == 0 {
				out.skip(errors.New("a CNAME without a target"))
				return
			}
			switch strings.ToLower(rdata[0]) {
			case "rpz-passthru.":
				ind.Action = match.ActionAllow
			case "rpz-tcp-only.":
				out.skip(skip("rpz-tcp-only is not a verdict"))
				return
			}
		}
		low := strings.ToLower(name)
		switch {
		case strings.HasSuffix(low, ".rpz-ip"):
			p, err := rpzPrefix(strings.TrimSuffix(low, ".rpz-ip"))
			if err != nil {
				out.skip(err)
				return
			}
			ind.Kind, ind.Value = match.KindCIDR, p.String()
			if p.IsSingleIP() {
				ind.Kind, ind.Value = match.KindIP, p.Addr().String()
			}
		case strings.HasSuffix(low, ".rpz-nsdname"), strings.HasSuffix(low, ".rpz-nsip"):
			out.skip(skip("name-server triggers (rpz-nsdname, rpz-nsip) have no indicator kind"))
			return
		case strings.HasSuffix(low, ".rpz-client-ip"):
			out.skip(skip("client-IP triggers select who asks, not what is asked"))
			return
		default:
			ind.Kind, ind.Value = match.KindDomain, name
		}
		out.add(ind)
	}, func(out *lineOut) {
		if paren {
			out.n = parenLine
			out.end(malformed("truncated: a record opened with ( is not closed at the end of the file"))
		}
	})
}

// stripZoneComment removes a ';' comment outside quotes.
func stripZoneComment(s string) string {
	q := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			q = !q
		case '\\':
			i++
		case ';':
			if !q {
				return s[:i]
			}
		}
	}
	return s
}

// zoneName resolves an owner name against the origin. apex reports the
// zone's own name.
func zoneName(owner, origin string) (name string, apex bool) {
	if owner == "@" || owner == "" {
		return origin, true
	}
	if strings.HasSuffix(owner, ".") {
		n := strings.TrimSuffix(owner, ".")
		low := strings.ToLower(n)
		if origin != "" {
			if low == origin {
				return n, true
			}
			if strings.HasSuffix(low, "."+origin) {
				return n[:len(n)-len(origin)-1], false
			}
		}
		return n, false
	}
	return owner, false
}

func isTTL(s string) bool {
	if s == "" {
		return false
	}
	t := strings.TrimRight(strings.ToLower(s), "smhdw")
	_, err := strconv.ParseUint(t, 10, 32)
	return err == nil && t != ""
}

func isClass(s string) bool {
	switch strings.ToUpper(s) {
	case "IN", "CH", "HS", "CS":
		return true
	}
	return false
}

// rpzPrefix decodes the labels of a response-IP trigger: the prefix length,
// then the address with its labels reversed ("24.0.2.0.192" is
// 192.0.2.0/24; IPv6 writes "zz" for the longest run of zeros).
func rpzPrefix(s string) (netip.Prefix, error) {
	labels := strings.Split(s, ".")
	bad := errors.New("not a response-IP trigger")
	if len(labels) < 2 {
		return netip.Prefix{}, bad
	}
	bits, err := strconv.Atoi(labels[0])
	if err != nil {
		return netip.Prefix{}, bad
	}
	rest := labels[1:]
	for i, j := 0, len(rest)-1; i < j; i, j = i+1, j-1 {
		rest[i], rest[j] = rest[j], rest[i]
	}
	var a netip.Addr
	if len(rest) == 4 && !strings.Contains(s, "zz") {
		a, err = netip.ParseAddr(strings.Join(rest, "."))
	} else {
		a, err = netip.ParseAddr(strings.Replace(strings.Join(rest, ":"), "zz", "", 1))
		if err != nil && strings.Contains(s, "zz") {
			a, err = netip.ParseAddr(strings.Replace(strings.Join(rest, ":"), "zz", ":", 1))
		}
	}
	if err != nil {
		return netip.Prefix{}, bad
	}
	p, err := a.Prefix(bits)
	if err != nil || p.Bits() != bits {
		return netip.Prefix{}, bad
	}
	return p, nil
}
