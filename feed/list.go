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
	return func(yield func(item) bool) {
		lr := newLineReader(r)
		for {
			line, err := lr.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(item{err: err})
				return
			}
			if lr.long {
				if !yield(item{line: lr.n, err: &LineError{File: src.Name, Line: lr.n, Err: ErrLineTooLong}}) {
					return
				}
				continue
			}
			ind, err := listLine(line, src)
			if err == errComment {
				continue
			}
			if err != nil {
				err = &LineError{File: src.Name, Line: lr.n, Text: displayText(line), Err: err}
			}
			if !yield(item{ind, lr.n, err}) {
				return
			}
		}
	}
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
			if p.prefix == "hex:" || p.prefix == "ipattern:" || p.prefix == "pattern:" || p.prefix == "ua:" {
				// Patterns keep their spaces; the kind prefix says how
				// to read them. They are matched by a later version.
				ind.Value = strings.ToLower(p.prefix) + v
				return ind, nil
			}
			break
		}
	}
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		return match.Indicator{}, errors.New("unexpected text after the value")
	}
	if ind.Kind == match.KindUnknown {
		ind.Kind = match.KindOf(v)
	}
	if ind.Kind == match.KindUnknown {
		if isAddrPort(v) {
			return match.Indicator{}, skip("ip:port entries are not loaded: a port is not part of an IP indicator")
		}
		return match.Indicator{}, errors.New("not a domain, URL, IP address, prefix or hash")
	}
	ind.Value = v
	return ind, nil
}

// isAddrPort reports whether v is an address and a port, as maltrail
// writes them: "192.0.2.1:8080" or "[2001:db8::1]:443".
func isAddrPort(v string) bool {
	if _, err := netip.ParseAddrPort(v); err == nil {
		return true
	}
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return false
	}
	if _, err := strconv.ParseUint(v[i+1:], 10, 16); err != nil {
		return false
	}
	_, err := netip.ParseAddr(strings.Trim(v[:i], "[]"))
	return err == nil
}
