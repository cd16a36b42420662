package feed

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"net/netip"
	"strings"

	"github.com/sift-intel/sift/match"
)

// localNames are the entries every hosts file carries for the machine
// itself; they are reported as skipped, never loaded.
var localNames = map[string]bool{
	"localhost": true, "localhost.localdomain": true, "local": true, "localdomain": true,
	"broadcasthost": true, "ip6-localhost": true, "ip6-loopback": true, "ip6-localnet": true,
	"ip6-mcastprefix": true, "ip6-allnodes": true, "ip6-allrouters": true, "ip6-allhosts": true,
	"0.0.0.0": true,
}

var errLocalName = skip("hosts-file entries for the local machine (localhost and the like) are not indicators")

// parseHosts reads a hosts file: an address, then one or more names, then
// an optional "# comment". Every name is a domain indicator, whatever the
// address (0.0.0.0 and 127.0.0.1 sinkhole it, another address redirects
// it: both say the name is bad). A line with a lone value is read as a
// plain-list line.
func parseHosts(r io.Reader, src Source) iter.Seq[item] {
	return parseText(r, src, func(line []byte, out *lineOut) {
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(string(line))
		if len(f) == 0 {
			return
		}
		if _, err := netip.ParseAddr(f[0]); err != nil {
			if len(f) == 1 {
				if ind, err := listLine(line, src); err == nil {
					out.add(ind)
				} else if err != errComment {
					out.skip(err)
				}
				return
			}
			out.skip(errors.New("not a hosts-file line: it does not start with an address"))
			return
		}
		if len(f) == 1 {
			out.skip(errors.New("an address without a name"))
			return
		}
		for _, name := range f[1:] {
			if localNames[strings.ToLower(name)] {
				out.skip(errLocalName)
				continue
			}
			ind := src.indicator()
			ind.Kind, ind.Value = match.KindDomain, name
			if _, err := netip.ParseAddr(name); err == nil {
				ind.Kind = match.KindIP
			}
			out.add(ind)
		}
	})
}

// parseDnsmasq reads dnsmasq configuration lines that block names:
// "address=/a.example/b.example/TARGET" (any target: 0.0.0.0, ::, #, none
// or a sinkhole address), and "server=/a.example/" or "local=/a.example/"
// without an upstream server (answered locally: NXDOMAIN). A server line
// with an upstream ("server=/a.example/192.0.2.53", or "#" for the usual
// servers) forwards queries and is skipped; so are other options.
func parseDnsmasq(r io.Reader, src Source) iter.Seq[item] {
	return parseText(r, src, func(line []byte, out *lineOut) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			return
		}
		key, val, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(strings.TrimPrefix(key, "--"))
		if !ok {
			out.skip(skip("dnsmasq option " + key + " is not an indicator"))
			return
		}
		switch key {
		case "address", "server", "local":
		default:
			out.skip(skip("dnsmasq option " + key + " is not an indicator"))
			return
		}
		val = strings.TrimSpace(val)
		if !strings.HasPrefix(val, "/") || strings.Count(val, "/") < 2 {
			out.skip(skip("dnsmasq " + key + " without /domain/ applies to every name"))
			return
		}
		parts := strings.Split(val[1:], "/")
		names, target := parts[:len(parts)-1], parts[len(parts)-1]
		if key != "address" && target != "" {
			out.skip(skip("dnsmasq server lines with an upstream forward queries, they do not block"))
			return
		}
		for _, name := range names {
			switch name {
			case "":
				continue
			case "#":
				out.skip(skip("dnsmasq /#/ matches every domain"))
				continue
			}
			ind := src.indicator()
			ind.Kind, ind.Value = match.KindDomain, name
			if _, err := netip.ParseAddr(name); err == nil {
				ind.Kind = match.KindIP
			}
			out.add(ind)
		}
	})
}
