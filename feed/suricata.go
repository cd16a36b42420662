package feed

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"net/netip"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/match"
)

// parseSuricata reads a Suricata dataset or datarep file: one value a
// line, and for datarep ",reputation" after it (kept as the tag "rep:N").
// A dataset file does not say its type; the value's shape does: an IPv4
// or IPv6 address (types ipv4, ip), 32 or 64 hex digits (md5, sha256),
// else base64 (type string), decoded. A string's bytes become a byte
// pattern ("hex:" and the bytes in hex), or a value of Source.Kind when it
// is set (KindDomain for a dns.query set, KindUserAgent for
// http.user_agent): the file does not say which buffer its rules match.
func parseSuricata(r io.Reader, src Source) iter.Seq[item] {
	return parseText(r, src, func(line []byte, out *lineOut) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			return
		}
		ind := src.indicator()
		if v, rep, ok := strings.Cut(s, ","); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(rep), 10, 16)
			if err != nil {
				out.skip(errors.New("datarep reputation is not a number from 0 to 65535"))
				return
			}
			s = strings.TrimSpace(v)
			ind.Tags = addTags(ind.Tags, "rep:"+strconv.FormatUint(n, 10))
		}
		if _, err := netip.ParseAddr(s); err == nil {
			ind.Kind, ind.Value = match.KindIP, s
			out.add(ind)
			return
		}
		if k := match.KindOf(s); k == match.KindMD5 || k == match.KindSHA256 {
			ind.Kind, ind.Value = k, s
			out.add(ind)
			return
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			out.skip(errors.New("not an address, an MD5 or SHA-256 digest, or base64"))
			return
		}
		if len(b) == 0 {
			out.skip(errors.New("an empty string"))
			return
		}
		switch src.Kind {
		case match.KindUnknown, match.KindPattern:
			ind.Kind, ind.Value = match.KindPattern, "hex:"+hex.EncodeToString(b)
		default:
			v := string(b)
			if src.Kind == match.KindDomain {
				v = strings.TrimPrefix(v, ".") // "dotprefix" sets
			}
			ind.Kind, ind.Value = src.Kind, v
		}
		out.add(ind)
	})
}
