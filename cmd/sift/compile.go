package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
	"github.com/sift-intel/sift/remote"
)

func cmdCompile(e *env, args []string) int {
	fs := e.flagSet("compile", "-o OUT.sift [--feed-id ID] [--version N] [--expires DURATION] [--delta-from OLD.sift] [--remote-filter FILE] [--allow FILE]... SOURCE...")
	e.formatFlag(fs)
	out := fs.String("o", "", "write the snapshot to `file`")
	feedID := fs.String("feed-id", "", "the feed's `id` (default: the output file's name)")
	version := fs.Uint64("version", 0, "the data `version`, which must rise with each publication (default: the current Unix time)")
	expires := fs.Duration("expires", 0, "the snapshot expires this long after it is issued, e.g. 168h (default: never)")
	deltaFrom := fs.String("delta-from", "", "also write OUT.delta, the delta from the snapshot in `file`")
	filterOut := fs.String("remote-filter", "", "also write the remote tier's local filter (remote.OpenFilter) to `file`")
	var allows listFlag
	fs.Var(&allows, "allow", "a source `file` of allow entries, which override matches (repeatable)")
	sources, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if *out == "" || len(sources) == 0 {
		fs.Usage()
		return exitError
	}
	id := *feedID
	if id == "" {
		id = defaultFeedID(*out)
	}
	issued := time.Now().UTC().Truncate(time.Second)
	h := feed.Header{FeedID: id, Version: *version, Issued: issued}
	if h.Version == 0 {
		h.Version = uint64(issued.Unix())
	}
	if *expires > 0 {
		h.Expires = issued.Add(*expires)
	}
	var old []byte
	if *deltaFrom != "" {
		var err error
		if old, err = os.ReadFile(*deltaFrom); err != nil {
			return e.errorf("%v", err)
		}
		oh, err := feed.ParseHeader(old, int64(len(old)))
		if err != nil {
			return e.errorf("%s: %v", *deltaFrom, err)
		}
		if oh.FeedID != h.FeedID || oh.Version >= h.Version {
			return e.errorf("--delta-from %s is feed %s version %d; the new snapshot is feed %s version %d", *deltaFrom, oh.FeedID, oh.Version, h.FeedID, h.Version)
		}
	}
	var b match.Builder
	for _, src := range sources {
		if err := e.loadSource(&b, src, feed.Source{}, true); err != nil {
			return e.errorf("%v", err)
		}
	}
	for _, a := range allows {
		if err := e.loadSource(&b, a, feed.Source{Action: match.ActionAllow}, true); err != nil {
			return e.errorf("%v", err)
		}
	}
	set, err := b.Build()
	if err != nil {
		return e.errorf("%v", err)
	}
	data, err := feed.Encode(h, set)
	if err != nil {
		return e.errorf("%v", err)
	}
	if err := writeFileAtomic(*out, data); err != nil {
		return e.errorf("%v", err)
	}
	if d := b.Stats().Duplicates; d > 0 {
		fmt.Fprintf(e.stderr, "%d duplicate indicators kept once\n", d)
	}
	fmt.Fprintf(e.stderr, "wrote %s: feed %s version %d, %d indicators, %d bytes\n", *out, h.FeedID, h.Version, set.Len(), len(data))
	if old != nil {
		d, err := feed.Diff(old, data)
		if err != nil {
			return e.errorf("%v", err)
		}
		dd, err := d.MarshalBinary()
		if err != nil {
			return e.errorf("%v", err)
		}
		if err := writeFileAtomic(*out+".delta", dd); err != nil {
			return e.errorf("%v", err)
		}
		fmt.Fprintf(e.stderr, "wrote %s.delta: version %d to %d, %d removed, %d added, %d bytes\n", *out, d.From, d.To, len(d.Removed), len(d.Added), len(dd))
	}
	if *filterOut != "" {
		// The local half of the remote tier: hosts keep this filter and ask
		// a server answering from the snapshot about what passes it.
		idx, err := remote.NewIndex(set, remote.IndexConfig{Feed: h.FeedID, Version: h.Version})
		if err != nil {
			return e.errorf("%v", err)
		}
		fd, err := idx.Filter().AppendBinary(nil)
		if err == nil {
			err = writeFileAtomic(*filterOut, fd)
		}
		if err != nil {
			return e.errorf("%v", err)
		}
		fmt.Fprintf(e.stderr, "wrote %s: remote filter of %d keys, %d bytes\n", *filterOut, idx.Len(), len(fd))
	}
	return exitClean
}

// defaultFeedID derives a feed id from the output file's name.
func defaultFeedID(out string) string {
	name := strings.ToLower(strings.TrimSuffix(filepath.Base(out), filepath.Ext(out)))
	var b strings.Builder
	for _, c := range name {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	id := strings.TrimLeft(b.String(), "._-")
	if id == "" {
		id = "feed"
	}
	return id[:min(len(id), 64)]
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, so that a reader sees the old file or the new one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
