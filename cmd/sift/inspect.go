package main

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
)

// cmdInspect prints a snapshot's header, counts, section sizes and the
// state of its signature.
func cmdInspect(e *env, args []string) int {
	fs := e.flagSet("inspect", "[-p PUB]... FILE")
	var pubs listFlag
	fs.Var(&pubs, "p", "a public `key` to check the signature with (repeatable)")
	files, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fs.Usage()
		return exitError
	}
	path := files[0]
	s, err := feed.OpenFile(path, 0)
	if err != nil {
		return e.errorf("%v", err)
	}
	verr := s.Verify()
	out := e.stdout
	fmt.Fprintf(out, "file:       %s (%d bytes)\n", path, s.Size)
	fmt.Fprintf(out, "feed:       %s\n", s.FeedID)
	fmt.Fprintf(out, "version:    %d\n", s.Version)
	fmt.Fprintf(out, "issued:     %s\n", s.Issued.Format(time.RFC3339))
	if s.Expires.IsZero() {
		fmt.Fprintf(out, "expires:    never\n")
	} else {
		state := ""
		if time.Now().After(s.Expires) {
			state = " (expired)"
		}
		fmt.Fprintf(out, "expires:    %s%s\n", s.Expires.Format(time.RFC3339), state)
	}
	fmt.Fprintf(out, "min reader: %d\n", s.MinReader)
	fmt.Fprintf(out, "indicators: %d\n", s.Set.Len())
	var kinds []match.Kind
	for k := range s.Counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, k := range kinds {
		fmt.Fprintf(out, "  %-10s %d\n", k, s.Counts[k])
	}
	fmt.Fprintf(out, "sections:\n")
	for _, sec := range s.Set.Sections() {
		fmt.Fprintf(out, "  %-12s %d bytes\n", sec.Name, sec.Size)
	}
	if verr != nil {
		fmt.Fprintf(out, "structure:  INVALID: %v\n", verr)
	} else {
		fmt.Fprintf(out, "structure:  verified\n")
	}
	sig, err := os.ReadFile(path + ".minisig")
	switch {
	case err != nil:
		fmt.Fprintf(out, "signature:  none (%s.minisig not found)\n", path)
	case len(pubs) == 0:
		if ps, perr := minisign.ParseSignature(sig); perr != nil {
			fmt.Fprintf(out, "signature:  malformed: %v\n", perr)
		} else {
			fmt.Fprintf(out, "signature:  by key %s, not checked (give -p)\n", ps.KeyID())
		}
	default:
		keys, kerr := loadPublicKeys(pubs)
		if kerr != nil {
			return e.errorf("%v", kerr)
		}
		data, rerr := os.ReadFile(path)
		if rerr != nil {
			return e.errorf("%v", rerr)
		}
		if _, verr := feed.VerifySnapshot(keys, data, sig); verr != nil {
			fmt.Fprintf(out, "signature:  INVALID: %v\n", verr)
		} else {
			ps, _ := minisign.ParseSignature(sig)
			fmt.Fprintf(out, "signature:  valid, key %s, trusted comment %q\n", ps.KeyID(), ps.TrustedComment())
		}
	}
	if verr != nil {
		return exitError
	}
	return exitClean
}
