package feed

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"sync"
	"unicode/utf8"

	"github.com/sift-intel/sift/match"
)

// MaxLineLength bounds the lines of text sources. A longer line is reported
// with [ErrLineTooLong] and skipped, reading it in bounded memory.
const MaxLineLength = 1 << 20

// lineReader yields the lines of a text source without their line ending
// (LF or CRLF) and without a leading UTF-8 byte-order mark.
type lineReader struct {
	r    *bufio.Reader
	n    int    // number of the line last returned
	buf  []byte // holds a line that spans reads
	long bool   // the line last returned was cut at MaxLineLength
}

// readers recycles the 64 KiB buffers of line readers: a corpus of many
// small files would otherwise allocate one per file.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

func newLineReader(r io.Reader) *lineReader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return &lineReader{r: br}
}

// release returns the reader's buffer; the lineReader is not used after.
func (l *lineReader) release() {
	l.r.Reset(nil)
	readers.Put(l.r)
	l.r = nil
}

// next returns the next line, valid until the following call. At the end it
// returns io.EOF; any other error is the reader's.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	l.long = false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(chunk) > MaxLineLength+2 {
			l.long = true // keep reading to the end of the line, keeping nothing
		} else if err == bufio.ErrBufferFull || len(l.buf) > 0 {
			l.buf = append(l.buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || len(chunk) == 0 && len(l.buf) == 0 && !l.long) {
			return nil, err
		}
		line := chunk
		if len(l.buf) > 0 || l.long {
			line = l.buf
		}
		l.n++
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if l.n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		if l.long {
			return line[:0], nil
		}
		return line, nil
	}
}

// lineOut collects what one line of a text source yields.
type lineOut struct {
	src   Source
	file  string // the file errors name, when not src.Name
	n     int    // the line's number
	text  []byte // the line, for error messages
	items []item
}

// add yields an indicator from the line.
func (o *lineOut) add(ind match.Indicator) {
	o.items = append(o.items, item{ind: ind, file: o.file, line: o.n})
}

func (o *lineOut) name() string {
	if o.file != "" {
		return o.file
	}
	return o.src.Name
}

// skip yields an error for the line (or a part of it).
func (o *lineOut) skip(err error) {
	o.items = append(o.items, item{file: o.file, line: o.n, err: &LineError{File: o.name(), Line: o.n, Text: displayText(o.text), Err: err}})
}

// end yields an error that ends the source.
func (o *lineOut) end(err error) {
	o.items = append(o.items, item{file: o.file, line: o.n, err: &LineError{File: o.name(), Line: o.n, Text: displayText(o.text), Err: err}, fatal: true})
}

// errInvalidUTF8 is the reason for a line that is not valid UTF-8.
var errInvalidUTF8 = errors.New("invalid UTF-8")

// parseText reads a line-based source: it calls step for every line that
// fits MaxLineLength and is valid UTF-8, and reports the others.
func parseText(r io.Reader, src Source, step func(line []byte, out *lineOut)) iter.Seq[item] {
	return parseTextEnd(r, src, step, nil)
}

// parseTextEnd is parseText with a last step at the end of the input, for
// formats whose records span lines: a record still open there is
// truncated.
func parseTextEnd(r io.Reader, src Source, step func(line []byte, out *lineOut), end func(out *lineOut)) iter.Seq[item] {
	return func(yield func(item) bool) {
		lr := newLineReader(r)
		defer lr.release()
		out := &lineOut{src: src}
		for {
			line, err := lr.next()
			if err == io.EOF {
				if end != nil {
					out.n, out.text, out.items = lr.n, nil, out.items[:0]
					end(out)
					for _, it := range out.items {
						if !yield(it) {
							return
						}
					}
				}
				return
			}
			if err != nil {
				yield(fail(err))
				return
			}
			if lr.long {
				if !yield(item{line: lr.n, err: &LineError{File: src.Name, Line: lr.n, Err: ErrLineTooLong}}) {
					return
				}
				continue
			}
			if !utf8.Valid(line) {
				if !yield(item{line: lr.n, err: &LineError{File: src.Name, Line: lr.n, Text: displayText(line), Err: errInvalidUTF8}}) {
					return
				}
				continue
			}
			out.n, out.text, out.items = lr.n, line, out.items[:0]
			step(line, out)
			for _, it := range out.items {
				if !yield(it) || it.fatal {
					return
				}
			}
		}
	}
}
