package feed_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/internal/corpus"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noIndicators lists the corpus files from which no indicator is
// expected, and why. Paths are relative to the corpus, '*' matching within
// one path element.
var noIndicators = []struct{ pattern, why string }{
	{"README.md", "the corpus documentation"},
	{"MANIFEST.tsv", "the corpus manifest (its sha256 column loads, but they are file checksums)"},
	{"canon/*", "URL canonicalisation test vectors, not indicators"},
	{"benign/logs/*", "web-server and DNS logs, not indicator lists"},
	{"benign/hashes/debian/bookworm-main-amd64-Packages", "a Debian Packages index (deb822 stanzas), not an indicator format"},
	{"suricata/*/*.rules", "Suricata/Snort rules: what a rule matches depends on its buffers and conditions, so each rule is skipped with that reason"},
	{"suricata/*/*/*.rules", "Suricata/Snort rules (as above)"},
	{"suricata/*/*/*/*.rules", "Suricata/Snort rules (as above)"},
	{"benign/domains/misp-warninglists/tlds/list.json", "top-level domains only: a single label is no domain indicator (and sift refuses public suffixes)"},
	{"stix/oasis-examples/infrastructure.json", "no indicator objects: infrastructure, malware and observed addresses only"},
	{"stix/oasis-examples/malicious-email-indicator-with-attachment.json", "only email-message patterns (MATCHES on a subject and an attachment name), which map onto no kind"},
	{"misp/anssi-feed/hashes.csv", "MISP's cache of digests of attribute values, refused with the reason"},
}

// onlyUnrepresentable are skip reasons that may account for every entry of
// a file: the file then holds nothing sift represents (maltrail families
// listing only address:port or URL-path trails).
var onlyUnrepresentable = []string{
	"skipped: ip:port entries are not loaded",
	"skipped: URL paths without a host",
	"skipped: regular-expression trails",
}

func whyNoIndicators(rel string) string {
	for _, e := range noIndicators {
		if ok, _ := filepath.Match(e.pattern, filepath.ToSlash(rel)); ok {
			return e.why
		}
	}
	return ""
}

type corpusTotals struct {
	files, withIndicators, onlySkipped, toIDsless, exempt int
	parsed                                                int
	kinds                                                 map[match.Kind]int
	reasons                                               map[string]int
	formats                                               map[feed.Format]int
}

// parsedKinds counts the kinds a source yields, before the Builder: the
// Builder of this version may refuse kinds that the parsers produce
// (patterns, User-Agents), and the walk checks the parsers.
func parsedKinds(t *testing.T, path string, src feed.Source) map[match.Kind]int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil || fi.IsDir() || src.Format == feed.FormatSet || strings.HasSuffix(path, ".gz") || filepath.Base(path) == "manifest.json" {
		return nil // LoadFile reads these differently: its counts stand
	}
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	kinds := map[match.Kind]int{}
	for ind, err := range feed.Parse(f, src) {
		if err == nil {
			kinds[ind.Kind]++
		}
	}
	return kinds
}

// TestCorpus loads every file of the shared corpus (and the MISP feed
// directory) with LoadFile: no panic; every reported error is a
// *LineError naming the file and a line, or a whole-file error naming the
// file; every file yields indicators unless noIndicators says why not.
func TestCorpus(t *testing.T) {
	root := corpus.Full(t)
	var paths []string
	require.NoError(t, filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			paths = append(paths, p)
		}
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(p, "manifest.json")); err == nil {
				paths = append(paths, p) // a MISP feed directory
			}
		}
		return nil
	}))
	if testing.Short() {
		// Every format, a fraction of the maltrail families.
		var short []string
		for i, p := range paths {
			if !strings.Contains(p, "maltrail/malware/") || i%20 == 0 {
				short = append(short, p)
			}
		}
		paths = short
	}
	tot := corpusTotals{kinds: map[match.Kind]int{}, reasons: map[string]int{}, formats: map[feed.Format]int{}}
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		t.Run(rel, func(t *testing.T) {
			var b match.Builder
			rep, err := feed.LoadFile(&b, p, feed.Source{})
			require.NotNil(t, rep, "%s: %v", rel, err)
			checkErrors(t, p, rep, err)
			why := whyNoIndicators(rel)
			kinds := rep.Added
			if pk := parsedKinds(t, p, feed.Source{Name: p, Format: rep.Format}); pk != nil {
				kinds = pk
			}
			tot.files++
			tot.formats[rep.Format]++
			tot.parsed += rep.Parsed
			for k, n := range kinds {
				tot.kinds[k] += n
			}
			for r, n := range rep.Skipped {
				tot.reasons[r] += n
			}
			t.Logf("%s: format %s, %d read, added %s; skipped %s", rel, rep.Format, rep.Parsed, kindList(rep.Added), reasonList(rep.Skipped))
			switch {
			case why != "":
				tot.exempt++
				t.Logf("%s: no indicators expected: %s", rel, why)
			case rep.Parsed > 0:
				tot.withIndicators++
			case rep.Format == feed.FormatMISP && hasReason(rep, "skipped: to_ids is not set"):
				// The event marks none of its attributes for detection;
				// with AllAttributes the mapped ones load.
				var b2 match.Builder
				rep2, err := feed.LoadFile(&b2, p, feed.Source{AllAttributes: true})
				require.NotNil(t, rep2, "%v", err)
				assert.Positive(t, rep2.Parsed, "%s: no indicator even with AllAttributes", rel)
				tot.toIDsless++
				t.Logf("%s: no attribute has to_ids; with AllAttributes: %d read", rel, rep2.Parsed)
			default:
				skipped := 0
				for r, n := range rep.Skipped {
					ok := false
					for _, u := range onlyUnrepresentable {
						ok = ok || strings.HasPrefix(r, u)
					}
					require.True(t, ok, "%s yields no indicator; skipped %v", rel, rep.Skipped)
					skipped += n
				}
				require.Positive(t, skipped, "%s yields nothing and skips nothing", rel)
				tot.onlySkipped++
			}
		})
	}
	t.Logf("corpus: %d sources (files, and %d paths walked incl. MISP feed directories): %d with indicators, %d MISP events without to_ids attributes, %d maltrail families of address:port or path trails only, %d not indicator sources",
		tot.files, len(paths), tot.withIndicators, tot.toIDsless, tot.onlySkipped, tot.exempt)
	t.Logf("corpus: by format: %s", formatList(tot.formats))
	t.Logf("corpus: %d indicators read, by kind: %s", tot.parsed, kindList(tot.kinds))
	t.Logf("corpus: skipped by reason: %s", reasonList(tot.reasons))
}

// checkErrors checks that every error of a load names its file, and its
// line when it is about a line.
func checkErrors(t *testing.T, path string, rep *feed.Report, err error) {
	t.Helper()
	if filepath.Base(path) == "manifest.json" {
		path = filepath.Dir(path) // the MISP feed it indexes
	}
	for _, e := range rep.Errors {
		var le *feed.LineError
		require.True(t, errors.As(e, &le), "%s: not a *LineError: %v", path, e)
		require.NotEmpty(t, le.File, "%v", e)
		require.Positive(t, le.Line, "%v", e)
		require.True(t, le.File == path || strings.HasPrefix(le.File, path+string(filepath.Separator)), "%s: error names %s", path, le.File)
	}
	if err != nil {
		var le *feed.LineError
		if errors.As(err, &le) {
			require.Positive(t, le.Line, "%v", err)
			require.True(t, strings.HasPrefix(le.File, path), "%v", err)
		} else {
			require.Contains(t, err.Error(), path, "a whole-file error names the file")
		}
	}
}

func hasReason(rep *feed.Report, prefix string) bool {
	for r := range rep.Skipped {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	return false
}

func kindList(m map[match.Kind]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func formatList(m map[feed.Format]int) string {
	var parts []string
	for f, n := range m {
		parts = append(parts, fmt.Sprintf("%s %d", f, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func reasonList(m map[string]int) string {
	type rc struct {
		r string
		n int
	}
	var rs []rc
	for r, n := range m {
		rs = append(rs, rc{r, n})
	}
	if len(rs) == 0 {
		return "nothing"
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].n > rs[j].n || rs[i].n == rs[j].n && rs[i].r < rs[j].r })
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%q %d", r.r, r.n)
	}
	return strings.Join(parts, "; ")
}
