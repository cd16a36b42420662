package feed

import (
	"bufio"
	"bytes"
	"errors"
	"io"
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

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
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
