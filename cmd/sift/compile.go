package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/match"
)

func cmdCompile(e *env, args []string) int {
	fs := e.flagSet("compile", "-o OUT.sift [--allow FILE]... SOURCE...")
	out := fs.String("o", "", "write the compiled set to `file`")
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
	data, err := set.AppendBinary(nil)
	if err != nil {
		return e.errorf("%v", err)
	}
	if err := writeFileAtomic(*out, data); err != nil {
		return e.errorf("%v", err)
	}
	if d := b.Stats().Duplicates; d > 0 {
		fmt.Fprintf(e.stderr, "%d duplicate indicators kept once\n", d)
	}
	fmt.Fprintf(e.stderr, "wrote %s: %d indicators, %d bytes\n", *out, set.Len(), len(data))
	return exitClean
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
