package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"unicode/utf8"
)

const (
	// MaxJSONDepth bounds the nesting of JSON documents: a deeper document
	// is refused before it is decoded ([ErrMalformed]).
	MaxJSONDepth = 64
	// MaxDocumentSize bounds a document that is read whole (a JSON
	// document, a YARA file) unless Source.MaxSize says otherwise: a
	// larger one is refused ([ErrTooLarge]) after reading MaxDocumentSize
	// bytes of it.
	MaxDocumentSize = 256 << 20
)

// jsonDoc is a JSON document read whole, with a decoder over it and the
// means to turn offsets into line numbers.
type jsonDoc struct {
	src  Source
	file string // the file errors name
	data []byte
	dec  *json.Decoder

	lineOff, line int // the line that starts at or before lineOff
}

// readDoc reads a whole document, bounded by src.maxSize().
func readDoc(r io.Reader, src Source) ([]byte, error) {
	limit := src.maxSize()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		line := 1 + bytes.Count(data[:limit], []byte{'\n'})
		return nil, &LineError{File: src.Name, Line: line, Err: fmt.Errorf("%w: the document is larger than %d bytes (Source.MaxSize)", ErrTooLarge, limit)}
	}
	return data, nil
}

// newJSONDoc checks that data is valid UTF-8 and nested no deeper than
// MaxJSONDepth, and returns a decoder over it.
func newJSONDoc(data []byte, src Source, file string) (*jsonDoc, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	d := &jsonDoc{src: src, file: file, data: data, line: 1}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return nil, d.errAt(off, malformed("invalid UTF-8"))
	}
	if off, ok := checkDepth(data, MaxJSONDepth); !ok {
		return nil, d.errAt(off, malformed("JSON nested deeper than %d levels", MaxJSONDepth))
	}
	d.dec = json.NewDecoder(bytes.NewReader(data))
	d.dec.UseNumber()
	return d, nil
}

// checkDepth scans JSON text for brackets outside strings and reports the
// offset where the nesting first exceeds max. It reads each byte once and
// allocates nothing, so a hostile document costs linear time.
func checkDepth(data []byte, max int) (int, bool) {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data); i++ {
				if data[i] == '\\' {
					i++
				} else if data[i] == '"' {
					break
				}
			}
		case '[', '{':
			depth++
			if depth > max {
				return i, false
			}
		case ']', '}':
			depth--
		}
	}
	return 0, true
}

// lineAt returns the line number of an offset. Offsets usually grow as a
// document is walked; counting resumes from the last one.
func (d *jsonDoc) lineAt(off int) int {
	off = min(max(off, 0), len(d.data))
	if off < d.lineOff {
		d.lineOff, d.line = 0, 1
	}
	d.line += bytes.Count(d.data[d.lineOff:off], []byte{'\n'})
	d.lineOff = off
	return d.line
}

func (d *jsonDoc) errAt(off int, err error) *LineError {
	return &LineError{File: d.file, Line: d.lineAt(off), Err: err}
}

// next returns the offset of the next value or delimiter: past blanks,
// commas and colons.
func (d *jsonDoc) next() int {
	off := int(d.dec.InputOffset())
	for off < len(d.data) {
		switch d.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

// peek returns the next value's first byte, or 0 at the end.
func (d *jsonDoc) peek() byte {
	if off := d.next(); off < len(d.data) {
		return d.data[off]
	}
	return 0
}

// syntaxError turns a decoder's error into one that names the line.
func (d *jsonDoc) syntaxError(err error) *LineError {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return d.errAt(int(se.Offset)-1, malformed("invalid JSON: %v", se))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return d.errAt(len(d.data), malformed("truncated: the JSON document ends early"))
	}
	var le *LineError
	if errors.As(err, &le) {
		return le
	}
	return d.errAt(d.next(), malformed("%v", err))
}

// delim reads the delimiter want.
func (d *jsonDoc) delim(want byte) error {
	off := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return d.syntaxError(err)
	}
	if dl, ok := tok.(json.Delim); !ok || byte(dl) != want {
		return d.errAt(off, malformed("expected %q, found %v", want, tokenText(tok)))
	}
	return nil
}

func tokenText(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(t))
	case string:
		return fmt.Sprintf("string %.40q", t)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// object walks an object: fn is called with each key and must consume its
// value.
func (d *jsonDoc) object(fn func(key string) error) error {
	if err := d.delim('{'); err != nil {
		return err
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return d.syntaxError(err)
		}
		key, _ := tok.(string)
		if err := fn(key); err != nil {
			return err
		}
	}
	return d.delim('}')
}

// array walks an array: fn is called with the offset of each element and
// must consume it.
func (d *jsonDoc) array(fn func(start int) error) error {
	if err := d.delim('['); err != nil {
		return err
	}
	for d.dec.More() {
		if err := fn(d.next()); err != nil {
			return err
		}
	}
	return d.delim(']')
}

// elementStarts returns the offsets of the elements of the JSON array at
// the start of raw, which is valid JSON.
func elementStarts(raw []byte) []int {
	var out []int
	depth, expect := 0, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		if expect && depth == 1 && c != ']' {
			out = append(out, i)
		}
		expect = false
		switch c {
		case '"':
			for i++; i < len(raw); i++ {
				if raw[i] == '\\' {
					i++
				} else if raw[i] == '"' {
					break
				}
			}
		case '[', '{':
			depth++
			expect = depth == 1
		case ']', '}':
			depth--
			if depth == 0 {
				return out
			}
		case ',':
			expect = depth == 1
		}
	}
	return out
}

// skip consumes one value.
func (d *jsonDoc) skip() error {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return d.syntaxError(err)
	}
	return nil
}

// decode decodes one value into v. A value of the wrong type for v is
// consumed and reported as a line error (bad is true); any other error
// ends the document.
func (d *jsonDoc) decode(v any) (bad *LineError, err error) {
	start := d.next()
	err = d.dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		what := te.Value
		if te.Field != "" {
			what += " in " + te.Field
		}
		return d.errAt(start, fmt.Errorf("unexpected JSON %s", what)), nil
	}
	if err != nil {
		return nil, d.syntaxError(err)
	}
	return nil, nil
}

// parseDoc reads a whole JSON document and hands it to walk, which yields
// items; an error walk returns ends the source.
func parseDoc(r io.Reader, src Source, walk func(d *jsonDoc, yield func(item) bool) error) iter.Seq[item] {
	return func(yield func(item) bool) {
		data, err := readDoc(r, src)
		if err != nil {
			yield(fail(err))
			return
		}
		d, err := newJSONDoc(data, src, src.Name)
		if err != nil {
			yield(fail(err))
			return
		}
		if !json.Valid(d.data) {
			// Nothing of a broken document loads. Walk it without
			// yielding to find where it breaks; a sequence of valid
			// values (JSON text of concatenated objects) walks cleanly
			// and is then read for real.
			if err := walk(d, func(item) bool { return true }); err != nil {
				yield(fail(err))
				return
			}
			d, _ = newJSONDoc(data, src, src.Name)
		}
		stopped := false
		err = walk(d, func(it item) bool {
			if !yield(it) {
				stopped = true
				return false
			}
			return true
		})
		if err != nil && !stopped && err != errStop {
			yield(fail(err))
		}
	}
}

// errStop ends a walk when the consumer stops.
var errStop = errors.New("stop")

// jsonBool reads MISP's and others' booleans: true, false, 1, 0, "1",
// "0", "true", "false".
type jsonBool bool

func (b *jsonBool) UnmarshalJSON(data []byte) error {
	switch string(bytes.Trim(data, `"`)) {
	case "true", "1", "True", "yes":
		*b = true
	default:
		*b = false
	}
	return nil
}

// jsonText reads a string or a number as text; null is "".
type jsonText string

func (t *jsonText) UnmarshalJSON(data []byte) error {
	if len(data) > 1 && data[0] == '"' {
		if bytes.IndexByte(data, '\\') < 0 {
			// No escapes: the decoder has validated the string already.
			*t = jsonText(data[1 : len(data)-1])
			return nil
		}
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*t = jsonText(s)
		return nil
	}
	if string(data) == "null" {
		*t = ""
		return nil
	}
	if len(data) > 0 && (data[0] == '{' || data[0] == '[') {
		return &json.UnmarshalTypeError{Value: "object or array", Type: reflect.TypeFor[string]()}
	}
	*t = jsonText(data)
	return nil
}
