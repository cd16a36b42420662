package feed

import (
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/match"
)

// parseLOKI reads a LOKI / signature-base IOC file: "value;comment" or
// "value;score;comment" a line, or a bare value; '#' lines are comments.
// Values are hashes, domains, IPs and URLs by their shape, or hex bytes
// separated by spaces ("4D 5A 90") as a byte pattern. The comment is the
// description and its first URL the reference; the score (LOKI's 0–100,
// alerting from 100) the severity. A comment block right before a group of
// bare values ("# Sofacy report Dec 2015 https://…") describes the group,
// up to the next blank line.
func parseLOKI(r io.Reader, src Source) iter.Seq[item] {
	var ctx string
	return parseText(r, src, func(line []byte, out *lineOut) {
		s := strings.TrimSpace(string(line))
		if s == "" {
			ctx = ""
			return
		}
		if s[0] == '#' {
			c := strings.TrimSpace(strings.TrimLeft(s, "#"))
			if strings.Trim(c, "-= ") != "" {
				ctx = c
			}
			return
		}
		parts := strings.Split(s, ";")
		v := strings.TrimSpace(parts[0])
		comment, score := ctx, -1
		if len(parts) > 1 {
			rest := parts[1:]
			if n, err := strconv.Atoi(strings.TrimSpace(rest[0])); err == nil {
				score, rest = n, rest[1:]
			}
			if c := strings.TrimSpace(strings.Join(rest, ";")); c != "" {
				comment = c
			}
		}
		ind := src.indicator()
		if comment != "" && src.Meta.Description == "" {
			ind.Description = comment
		}
		if u := firstURL(comment); u != "" && src.Meta.Reference == "" {
			ind.Reference = u
		}
		if score >= 0 && src.Meta.Severity == match.SeverityUnknown {
			ind.Severity = scoreSeverity(score)
		}
		if b, ok := hexBytes(v); ok {
			ind.Kind, ind.Value = match.KindPattern, "hex:"+hex.EncodeToString(b)
			out.add(ind)
			return
		}
		ind.Kind = src.Kind
		if ind.Kind == match.KindUnknown {
			ind.Kind = match.KindOf(v)
		}
		if ind.Kind == match.KindUnknown {
			if isAddrPort(v) {
				out.skip(errAddrPort)
			} else {
				out.skip(errors.New("not a hash, domain, URL, IP address or hex bytes"))
			}
			return
		}
		ind.Value = v
		out.add(ind)
	})
}

// hexBytes reads hex bytes separated by spaces: "4D 5A 90".
func hexBytes(v string) ([]byte, bool) {
	f := strings.Fields(v)
	if len(f) < 2 {
		return nil, false
	}
	out := make([]byte, 0, len(f))
	for _, x := range f {
		if len(x) != 2 {
			return nil, false
		}
		b, err := hex.DecodeString(x)
		if err != nil {
			return nil, false
		}
		out = append(out, b[0])
	}
	return out, true
}
