package main

import (
	"bufio"
	"errors"

	"fmt"

	"os"
	"sort"
	"strings"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
)

// loadSets returns the Set to check against: the demo feed when files is
// empty, a compiled set used in place when it is the only file, and
// otherwise a Set built from every file.
func (e *env) loadSets(files, pubkeys []string) (*match.Set, error) {
	var keys []*minisign.PublicKey
	if len(pubkeys) > 0 {
		var err error
		if keys, err = loadPublicKeys(pubkeys); err != nil {
			return nil, err
		}
	}
	if len(files) == 0 {
		if keys != nil {
			return nil, errors.New("--pubkey needs a --feed to check")
		}
		return demoSet()
	}
	var b match.Builder
	for _, f := range files {
		format, err := detectFile(f)
		if err != nil {
			return nil, err
		}
		if format == feed.FormatSnapshot {
			s, err := openSnapshot(f, keys)
			if err != nil {
				return nil, err
			}
			if len(files) == 1 {
				return s.Set, nil // used in place
			}
			for ind := range s.Set.All() {
				b.Add(ind)
			}
			continue
		}
		if keys != nil {
			return nil, fmt.Errorf("%s: --pubkey accepts only signed snapshots", f)
		}
		if err := e.loadSource(&b, f, feed.Source{}, false); err != nil {
			return nil, err
		}
	}
	return b.Build()
}

// openSnapshot opens a snapshot file; with keys, only when FILE.minisig
// verifies with one of them.
func openSnapshot(path string, keys []*minisign.PublicKey) (*feed.Snapshot, error) {
	if keys != nil {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		sig, err := os.ReadFile(path + ".minisig")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if _, err := feed.VerifySnapshot(keys, data, sig); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return feed.OpenFile(path, 0)
}

func detectFile(path string) (feed.Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head, _ := bufio.NewReader(f).Peek(512)
	return feed.Detect(head, path), nil
}

// loadSource loads one source file into b and reports skipped lines on
// stderr: all of them as a summary when verbose, else one line.
func (e *env) loadSource(b *match.Builder, path string, src feed.Source, verbose bool) error {
	if isTerminal(e.stderr) {
		fmt.Fprintf(e.stderr, "loading %s…\n", path)
	}
	if src.Format == "" && e.format != "" {
		if f, err := detectFile(path); err != nil || f != feed.FormatSnapshot && f != feed.FormatSet {
			src.Format = e.format // a compiled file is never read as text
		}
	}
	rep, err := feed.LoadFile(b, path, src)
	if err != nil {
		if rep != nil {
			e.reportErrors(rep, 3)
		}
		return err
	}
	if verbose {
		fmt.Fprintf(e.stderr, "%s: %s\n", path, summary(rep))
		e.reportErrors(rep, 10)
	} else if len(rep.Skipped) > 0 {
		n := 0
		for _, c := range rep.Skipped {
			n += c
		}
		fmt.Fprintf(e.stderr, "sift: %s: %d lines skipped, first: %v\n", path, n, rep.Errors[0])
	}
	return nil
}

func (e *env) reportErrors(rep *feed.Report, max int) {
	for i, err := range rep.Errors {
		if i == max {
			fmt.Fprintf(e.stderr, "  …\n")
			break
		}
		fmt.Fprintf(e.stderr, "  %v\n", err)
	}
}

// summary describes a load: indicators by kind, skipped lines by reason.
func summary(rep *feed.Report) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d indicators", rep.Total())
	sb.WriteString(countList(func(yield func(string, int) bool) {
		for k, n := range rep.Added {
			if !yield(k.String(), n) {
				return
			}
		}
	}))
	skipped := 0
	for _, n := range rep.Skipped {
		skipped += n
	}
	if skipped > 0 {
		fmt.Fprintf(&sb, "; %d lines skipped", skipped)
		sb.WriteString(countList(func(yield func(string, int) bool) {
			for r, n := range rep.Skipped {
				if !yield(r, n) {
					return
				}
			}
		}))
	}
	return sb.String()
}

// countList formats name/count pairs as " (a 3, b 1)", largest first.
func countList(pairs func(func(string, int) bool)) string {
	type pc struct {
		name string
		n    int
	}
	var ps []pc
	for name, n := range pairs {
		ps = append(ps, pc{name, n})
	}
	if len(ps) == 0 {
		return ""
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].n > ps[j].n || ps[i].n == ps[j].n && ps[i].name < ps[j].name })
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = fmt.Sprintf("%s %d", p.name, p.n)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
