// Package feed reads indicator sources into a [match.Builder].
//
// # Model
//
// A source is a file or stream in one of the formats that feeds are
// published in. A parser turns it into a sequence of [match.Indicator]
// values, each carrying the source's metadata; a line it cannot use becomes
// a [*LineError] naming the file and line, and parsing goes on. [Load]
// feeds the sequence to a Builder, which validates and normalises each
// value, and returns a [Report]: indicators added by kind, lines skipped by
// reason.
//
//	file ──► Detect ──► parser ──► Indicator ──► match.Builder.Add
//	                       │                          │
//	                       └── *LineError ◄───────────┘  (file:line, reason)
//
// A line is loaded whole or not at all: nothing is loaded half-parsed. A
// source that yields no indicator is an error ([ErrEmpty]).
//
// # Plain lists
//
// One value a line. Blank lines and lines starting with '#', ';' or '!'
// are comments, as is the rest of a line after " #". A UTF-8 byte-order
// mark and CRLF line endings are accepted; hex digests may be in any case.
// A value's kind follows from its shape (see [match.KindOf]), or from a
// prefix: "domain:", "url:", "ip:", "hash:", "ua:", "pattern:",
// "ipattern:" or "hex:". maltrail's "address:port" entries are reported as
// skipped ([ErrSkipped]): a port is not part of an IP indicator. Lines
// longer than [MaxLineLength] are skipped in bounded memory.
//
// # Concurrency
//
// The functions of this package may be called concurrently on different
// Builders.
package feed
