package feed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/sift-intel/sift/match"
)

// Format names a source format. The zero Format asks [LoadFile] to detect
// it, and [Parse] and [Load] to read a plain list.
type Format string

// The source formats. See the package documentation for how each one maps
// onto indicators, and [ParseFormat] for the names a user may give.
const (
	FormatList        Format = "list"        // one value a line
	FormatSet         Format = "set"         // a compiled Set, see match.Open
	FormatSnapshot    Format = "snapshot"    // a snapshot: a header and a Set, see Open
	FormatHosts       Format = "hosts"       // hosts file: "0.0.0.0 evil.example"
	FormatRPZ         Format = "rpz"         // DNS response policy zone file
	FormatDnsmasq     Format = "dnsmasq"     // dnsmasq "address=/evil.example/…" and "server=/…/" lines
	FormatAdblock     Format = "adblock"     // Adblock Plus / uBlock Origin network rules
	FormatMaltrail    Format = "maltrail"    // maltrail trail file
	FormatCSV         Format = "csv"         // CSV with a header row (URLhaus, PhishTank, Feodo Tracker, SSLBL)
	FormatJSON        Format = "json"        // JSON array of objects, or JSON lines
	FormatSTIX        Format = "stix"        // STIX 2.0 / 2.1 bundle
	FormatMISP        Format = "misp"        // MISP event, or MISP feed directory
	FormatWarninglist Format = "warninglist" // MISP warninglist, loaded as allow indicators
	FormatZeek        Format = "zeek"        // Zeek Intel framework file
	FormatSuricata    Format = "suricata"    // Suricata dataset or datarep file
	FormatLOKI        Format = "loki"        // LOKI IOC file: "value;comment"
	FormatYARA        Format = "yara"        // YARA rules: their literal strings
)

// Source describes a source of indicators: its name, used in error
// messages, its format, and what to apply to every indicator it yields.
// The zero Source reads a plain list and names its indicators' source
// after nothing; [LoadFile] fills in the name and the format.
type Source struct {
	Name   string       // shown in errors; its base name is the indicators' source when the format and Meta.Source name none
	Format Format       // "" detects it from the content (LoadFile) or reads a plain list (Parse, Load)
	Action match.Action // action of every indicator; zero: block (warninglists: allow)
	Meta   match.Meta   // defaults for every indicator's metadata; a non-empty Meta.Source wins over the name a format gives

	// Kind forces the kind of values whose format leaves it open: plain
	// list lines without a kind prefix, maltrail trails, LOKI values, CSV
	// and JSON value columns, and the strings of a Suricata string dataset
	// (decoded from base64). Zero: the format's kind, or the value's shape.
	Kind match.Kind
	// Columns maps the columns of a CSV source, or the keys of a JSON
	// source, onto indicator fields. The zero value maps known headers.
	Columns Columns
	// AllAttributes loads every MISP attribute whose type maps onto a
	// kind; by default only those with to_ids set (MISP's "actionable").
	AllAttributes bool
	// Filter drops the indicators it lists before they reach the Builder,
	// counting them in Report.Skipped. Nil drops nothing.
	Filter *Filter
	// MaxSize bounds the size of a document read whole (JSON formats,
	// YARA); zero means MaxDocumentSize.
	MaxSize int64
}

// Columns maps the columns of a CSV source, or the keys of JSON objects,
// onto indicator fields. Names match the header case-insensitively; when
// every name given is a number, the CSV has no header row and the numbers
// are 1-based column positions. With Value empty, known headers are mapped
// (see the package documentation) and the other fields are ignored.
type Columns struct {
	Value       string // the indicator's value
	Category    string
	Tags        string // split at commas, semicolons and spaces
	FirstSeen   string
	LastSeen    string
	Reference   string
	Description string
	Confidence  string // 0–100
}

// indicator returns an Indicator carrying the source's defaults.
func (src Source) indicator() match.Indicator {
	ind := match.Indicator{Action: src.Action, Meta: src.Meta}
	if ind.Source == "" {
		ind.Source = baseName(src.Name)
	}
	return ind
}

// named sets ind's source to the name a format gives, unless the Source's
// Meta.Source said it.
func (src Source) named(ind *match.Indicator, name string) {
	if src.Meta.Source == "" && name != "" {
		ind.Source = name
	}
}

// baseName is a file's base name without its extension (and without a
// ".gz" after it): the default source name.
func baseName(name string) string {
	b := filepath.Base(strings.TrimSuffix(name, ".gz"))
	if b == "." || b == string(filepath.Separator) {
		return ""
	}
	return strings.TrimSuffix(b, filepath.Ext(b))
}

func (src Source) maxSize() int64 {
	if src.MaxSize > 0 {
		return src.MaxSize
	}
	return MaxDocumentSize
}

// item is one step of a parser: an indicator from a line, or the error
// that kept the line out.
type item struct {
	ind   match.Indicator
	file  string // the file the line is in, when it is not the source's name (MISP feed events)
	line  int
	err   error
	fatal bool // err ends the source: nothing after it is read
}

// fail returns the item of an error that ends the source.
func fail(err error) item { return item{err: err, fatal: true} }

func parse(r io.Reader, src Source) iter.Seq[item] {
	switch src.Format {
	case FormatList, "":
		return parseList(r, src)
	case FormatHosts:
		return parseHosts(r, src)
	case FormatRPZ:
		return parseRPZ(r, src)
	case FormatDnsmasq:
		return parseDnsmasq(r, src)
	case FormatAdblock:
		return parseAdblock(r, src)
	case FormatMaltrail:
		return parseMaltrail(r, src)
	case FormatCSV:
		return parseCSV(r, src)
	case FormatJSON:
		return parseJSON(r, src)
	case FormatSTIX:
		return parseSTIX(r, src)
	case FormatMISP:
		return parseMISP(r, src)
	case FormatWarninglist:
		return parseWarninglist(r, src)
	case FormatZeek:
		return parseZeek(r, src)
	case FormatSuricata:
		return parseSuricata(r, src)
	case FormatLOKI:
		return parseLOKI(r, src)
	case FormatYARA:
		return parseYARA(r, src)
	}
	return func(yield func(item) bool) {
		yield(fail(fmt.Errorf("format %q cannot be parsed from a stream", src.Format)))
	}
}

// Parse returns the indicators of a source. Each step yields an indicator
// and a nil error, or a [*LineError] for a line or an entry that was
// skipped; parsing goes on after a LineError. An error that ends the
// source ends the sequence: a read error, or a *LineError wrapping
// [ErrMalformed] or [ErrTooLarge] (a truncated or invalid JSON document,
// one nested too deeply, or one too large). The values are not yet
// validated for their kind: a [match.Builder] does that. Source.Filter
// applies: a dropped indicator is yielded as a *LineError wrapping
// [ErrSkipped].
//
// A MISP feed is a directory: read it with [LoadFile].
func Parse(r io.Reader, src Source) iter.Seq2[match.Indicator, error] {
	return func(yield func(match.Indicator, error) bool) {
		for it := range parse(r, src) {
			if it.err == nil && src.Filter != nil {
				if list, ok := src.Filter.match(&it.ind); ok {
					it.err = &LineError{File: it.fileOr(src.Name), Line: it.line, Text: it.ind.Value, Err: skip("dropped by warninglist " + list)}
				}
			}
			if !yield(it.ind, it.err) || it.fatal {
				return
			}
		}
	}
}

func (it *item) fileOr(name string) string {
	if it.file != "" {
		return it.file
	}
	return name
}

// Report says what loading a source did.
type Report struct {
	Source  string
	Format  Format
	Parsed  int                // indicators the source yielded, before the Filter and the Builder's checks
	Added   map[match.Kind]int // indicators accepted, by kind
	Skipped map[string]int     // lines and entries not loaded, by reason
	Errors  []error            // the first MaxReportedErrors line errors, each with file:line
}

// MaxReportedErrors bounds [Report.Errors].
const MaxReportedErrors = 100

func newReport(src Source) *Report {
	return &Report{Source: src.Name, Format: src.Format, Added: map[match.Kind]int{}, Skipped: map[string]int{}}
}

// Total returns the number of indicators accepted.
func (r *Report) Total() int {
	n := 0
	for _, c := range r.Added {
		n += c
	}
	return n
}

// count records the kind that one Add added, from the Builder's counts
// before and after.
func (r *Report) count(before, after match.BuildStats) {
	for k := range after.Added {
		if after.Added[k] != before.Added[k] {
			r.Added[match.Kind(k)]++
		}
	}
}

func (r *Report) addError(le *LineError) {
	reason := le.Err.Error()
	var ie *match.IndicatorError
	if errors.As(le.Err, &ie) {
		reason = foldParens(ie.Reason)
		if errors.Is(ie, match.ErrExpired) {
			reason = "expired" // not one bucket per expiry time
		}
	}
	r.Skipped[reasonKey(reason)]++
	if len(r.Errors) < MaxReportedErrors {
		r.Errors = append(r.Errors, le)
	}
}

// reasonKey folds reasons that quote their input into one bucket, so that
// a summary counts "not hex" once, not once per digit string.
func reasonKey(reason string) string {
	if i := strings.IndexAny(reason, "\"'"); i > 0 {
		return strings.TrimRight(reason[:i], " :")
	}
	return reason
}

// foldParens removes the parenthesised parts of a Builder's reason, which
// quote the input: "is a public suffix (co.uk): it would match …".
func foldParens(reason string) string {
	for {
		i := strings.Index(reason, " (")
		if i < 0 {
			return reason
		}
		j := strings.IndexByte(reason[i:], ')')
		if j < 0 {
			return reason
		}
		reason = reason[:i] + reason[i+j+1:]
	}
}

// Load adds the indicators of a source to b. It returns what it did; the
// error is non-nil if the source could not be read or is malformed as a
// whole (see [Parse]), or yielded no indicator at all ([ErrEmpty]). Lines
// that were skipped are counted in the Report, not returned as the error.
// Indicators that Source.Filter drops are counted in Report.Skipped under
// "dropped by warninglist NAME".
func Load(b *match.Builder, r io.Reader, src Source) (*Report, error) {
	if src.Format == "" {
		src.Format = FormatList
	}
	rep := newReport(src)
	if err := loadItems(b, rep, parse(r, src), src); err != nil {
		return rep, err
	}
	return rep, checkEmpty(rep, src)
}

func checkEmpty(rep *Report, src Source) error {
	if rep.Total() == 0 {
		return fmt.Errorf("%s: %w", src.Name, ErrEmpty)
	}
	return nil
}

func loadItems(b *match.Builder, rep *Report, items iter.Seq[item], src Source) error {
	for it := range items {
		if it.err != nil {
			var le *LineError
			if it.fatal || !errors.As(it.err, &le) {
				if le != nil {
					rep.addError(le)
					return it.err
				}
				return fmt.Errorf("%s: %w", src.Name, it.err)
			}
			rep.addError(le)
			continue
		}
		rep.Parsed++
		if src.Filter != nil {
			if list, ok := src.Filter.match(&it.ind); ok {
				rep.Skipped["dropped by warninglist "+list]++
				continue
			}
		}
		before := b.Stats()
		if err := b.Add(it.ind); err != nil {
			// The Builder's error quotes the value already.
			rep.addError(&LineError{File: it.fileOr(src.Name), Line: it.line, Err: err})
			continue
		}
		rep.count(before, b.Stats())
	}
	return nil
}

// DetectSize is how much of a source's beginning [Detect] wants to see.
const DetectSize = 64 << 10

// LoadFile loads the source at path into b, detecting its format unless
// src.Format says it. An empty src.Name becomes path. A gzip-compressed
// file is decompressed. A directory, or its manifest.json, is read as a
// MISP feed: manifest.json and the event files it lists.
func LoadFile(b *match.Builder, path string, src Source) (*Report, error) {
	if src.Name == "" {
		src.Name = path
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		if src.Format != "" && src.Format != FormatMISP {
			return nil, fmt.Errorf("%s: a directory can only be a MISP feed, not %s", path, src.Format)
		}
		src.Format = FormatMISP
		return loadMISPFeed(b, path, src)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, DetectSize)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, DetectSize)
	}
	if src.Format == "" {
		head, _ := br.Peek(DetectSize)
		src.Format = Detect(head, path)
	}
	switch src.Format {
	case FormatSet:
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, err
		}
		return loadSet(b, data, src)
	case FormatSnapshot:
		data, err := io.ReadAll(br)
		if err != nil {
			return nil, err
		}
		if len(data) < headerLen {
			return nil, fmt.Errorf("%s: %w", path, ErrSnapshot)
		}
		return loadSet(b, data[snapshotSetAt:], src)
	case FormatMISP:
		if filepath.Base(path) == "manifest.json" {
			return loadMISPFeed(b, filepath.Dir(path), src)
		}
	}
	return Load(b, br, src)
}

// loadSet adds the indicators of a compiled Set to b.
func loadSet(b *match.Builder, data []byte, src Source) (*Report, error) {
	s, err := match.Open(data)
	if err == nil {
		err = s.Verify()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", src.Name, err)
	}
	rep := newReport(src)
	for ind := range s.All() {
		rep.Parsed++
		before := b.Stats()
		if err := b.Add(ind); err != nil {
			rep.Skipped[reasonKey(err.Error())]++
			continue
		}
		rep.count(before, b.Stats())
	}
	return rep, nil
}
