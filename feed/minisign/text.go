package minisign

import (
	"bytes"
	"encoding/base64"
	"errors"
)

// b64 is the encoding of every base64 line: standard alphabet with padding,
// as minisign writes it. Strict refuses non-zero padding bits, so each
// binary value has exactly one accepted spelling.
var b64 = base64.StdEncoding.Strict()

// splitLines splits data into exactly len(lines) lines, each ended by '\n'
// (the last one too), after checking its size against max. It refuses
// carriage returns and NUL bytes anywhere: minisign writes neither, and its
// C string handling would read a NUL as the end of a comment. The lines
// alias data; nothing is allocated.
func splitLines(what string, data []byte, max int, lines [][]byte) error {
	if len(data) > max {
		return formatError(what, 0, "%d bytes, more than the %d such a file can hold", len(data), max)
	}
	if len(data) == 0 {
		return formatError(what, 0, "empty")
	}
	line := 1
	for i, c := range data {
		switch c {
		case '\n':
			line++
		case '\r':
			return formatError(what, line, "carriage return at byte %d (minisign files end lines with \\n only)", i)
		case 0:
			return formatError(what, line, "NUL byte at byte %d", i)
		}
	}
	if data[len(data)-1] != '\n' {
		return formatError(what, line, "no newline at the end of the file (want %d lines, each ended by a newline)", len(lines))
	}
	if n := line - 1; n != len(lines) {
		return formatError(what, 0, "%d lines, want %d", n, len(lines))
	}
	for i := range lines {
		end := bytes.IndexByte(data, '\n')
		lines[i], data = data[:end], data[end+1:]
	}
	return nil
}

// parseComment checks that line starts with prefix and that the text after
// it is at most max bytes, and returns that text.
func parseComment(what string, lineNo int, line []byte, prefix string, max int) (string, error) {
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return "", formatError(what, lineNo, "want %q, got %s", prefix+"…", quote(line))
	}
	text := line[len(prefix):]
	if len(text) > max {
		return "", formatError(what, lineNo, "comment of %d bytes, more than the %d minisign allows", len(text), max)
	}
	return string(text), nil
}

// decodeLine decodes a base64 line into dst, which it must fill exactly.
// The line's length is checked before decoding, so the scratch buffer is
// of fixed size and nothing is allocated from the input.
func decodeLine(what string, lineNo int, line, dst []byte) error {
	want := b64.EncodedLen(len(dst))
	if len(line) != want {
		return formatError(what, lineNo, "%d characters, want %d of base64: %s", len(line), want, quote(line))
	}
	var buf [maxLineBytes]byte
	n, err := b64.Decode(buf[:b64.DecodedLen(len(line))], line)
	if err != nil {
		var corrupt base64.CorruptInputError
		if errors.As(err, &corrupt) && int(corrupt) < len(line) {
			return formatError(what, lineNo, "not base64 at character %d (%q): %s", int(corrupt)+1, line[corrupt], quote(line))
		}
		return formatError(what, lineNo, "not base64: %s", quote(line))
	}
	if n != len(dst) {
		return formatError(what, lineNo, "base64 decodes to %d bytes, want %d", n, len(dst))
	}
	copy(dst, buf[:n])
	return nil
}

// appendLine appends base64(bin) and a newline.
func appendLine(b, bin []byte) []byte {
	b = b64.AppendEncode(b, bin)
	return append(b, '\n')
}

// checkComment reports whether s can be written as a comment of at most max
// bytes: no newline, carriage return or NUL.
func checkComment(what string, s string, max int) error {
	if len(s) > max {
		return formatError(what, 0, "comment of %d bytes, more than the %d minisign allows", len(s), max)
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n', '\r', 0:
			return formatError(what, 0, "comment holds %q at byte %d: %s", s[i], i, quote([]byte(s)))
		}
	}
	return nil
}
