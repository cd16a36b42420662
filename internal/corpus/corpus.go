// Package corpus finds the real data that tests and benchmarks run on.
//
// The full corpus is the shared data folder beside the repository
// (../shared/data from the module root), or the folder named by the
// SIFT_CORPUS environment variable. A small real sample is committed under
// testdata/sample in the repository, so a fresh clone tests and benchmarks
// something real; its PROVENANCE.md names each file's origin and license.
// Both folders use the same relative paths.
package corpus

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	rootOnce sync.Once
	root     string
)

// Root returns the directory of the core module (the one holding go.mod for
// github.com/sift-intel/sift), found by walking up from the working
// directory, or "" if there is none.
func Root() string {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
			if err == nil && strings.Contains(string(b), "module github.com/sift-intel/sift\n") {
				root = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return root
}

// Dir returns the full corpus directory, or "" if it is not present.
func Dir() string {
	if d := os.Getenv("SIFT_CORPUS"); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
		return ""
	}
	if r := Root(); r != "" {
		d := filepath.Join(r, "..", "shared", "data")
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

// SampleDir returns the committed sample directory.
func SampleDir() string {
	if r := Root(); r != "" {
		return filepath.Join(r, "testdata", "sample")
	}
	return ""
}

// Full returns the full corpus directory, or skips tb with a message that
// says how to provide it.
func Full(tb testing.TB) string {
	tb.Helper()
	d := Dir()
	if d == "" {
		tb.Skip("full corpus not found: set SIFT_CORPUS or place the shared data at ../shared/data")
	}
	return d
}

// Path returns the path of rel in the full corpus when it is there, and in
// the committed sample otherwise; it skips tb if neither has it. The second
// result says which one it found.
func Path(tb testing.TB, rel string) (path string, full bool) {
	tb.Helper()
	if d := Dir(); d != "" {
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	p := filepath.Join(SampleDir(), rel)
	if _, err := os.Stat(p); err == nil {
		return p, false
	}
	tb.Skipf("%s is in neither the full corpus nor testdata/sample", rel)
	return "", false
}

// Glob returns the files matching pattern in the full corpus when it is
// there, and in the sample otherwise; it skips tb if nothing matches.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	for _, d := range []string{Dir(), SampleDir()} {
		if d == "" {
			continue
		}
		m, _ := filepath.Glob(filepath.Join(d, pattern))
		if len(m) > 0 {
			return m
		}
	}
	tb.Skipf("nothing matches %s in the full corpus or testdata/sample", pattern)
	return nil
}

// Files returns every regular file under dir (relative to the corpus) in
// the full corpus when it is there, and in the sample otherwise; it skips tb
// if neither has any.
func Files(tb testing.TB, dir string) []string {
	tb.Helper()
	for _, d := range []string{Dir(), SampleDir()} {
		if d == "" {
			continue
		}
		var out []string
		filepath.WalkDir(filepath.Join(d, dir), func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				out = append(out, p)
			}
			return nil
		})
		if len(out) > 0 {
			return out
		}
	}
	tb.Skipf("no files under %s in the full corpus or testdata/sample", dir)
	return nil
}

// Lines returns every line of the files that is not blank and not a '#'
// comment, trimmed, without a leading byte-order mark: for lists whose
// values may hold spaces, commas or semicolons, such as URLs.
func Lines(tb testing.TB, files ...string) []string {
	tb.Helper()
	var out []string
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
			if line != "" && line[0] != '#' {
				out = append(out, line)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
	}
	return out
}

// Values returns the first field of every line of the files that is not
// blank and not a comment ('#', ';' or '!'), with inline "# comments" and a
// trailing ";comment" removed: the raw values of a plain list.
func Values(tb testing.TB, files ...string) []string {
	tb.Helper()
	var out []string
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
			if line == "" || strings.ContainsRune("#;!", rune(line[0])) {
				continue
			}
			if i := strings.IndexAny(line, " \t;,"); i >= 0 {
				line = line[:i]
			}
			out = append(out, line)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
	}
	return out
}
