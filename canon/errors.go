package canon

// Error is the type of every error this package returns. The only values
// are the package-level Err* variables below, returned unwrapped, so callers
// test them with == or errors.Is, and recognise "the input is not a usable
// URL or host" with errors.As(err, new(*canon.Error)).
//
// The errors do not carry the input: returning a fresh value per failure
// would allocate, and Parse and AppendHost run on every query of a lookup
// that must not allocate, even for garbage input. A caller that reports an
// error (a feed builder, the CLI) has the input and the file:line at hand and
// adds them itself, e.g. fmt.Errorf("%s:%d: %q: %w", file, line, raw, err).
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

var (
	// ErrEmpty: the input is empty, or empty once whitespace and the
	// fragment are removed.
	ErrEmpty = &Error{"canon: empty input"}

	// ErrTooLong: the input is longer than MaxURLLength bytes.
	ErrTooLong = &Error{"canon: input longer than MaxURLLength"}

	// ErrNoHost: the URL has no host ("/path", "http:///path", "http://:80/"),
	// or it has a scheme without an authority ("mailto:a@b", "javascript:…",
	// "data:…"): there is nothing to look up.
	ErrNoHost = &Error{"canon: no host"}

	// ErrHostTooLong: the canonical host is longer than MaxHostLength bytes
	// (which also bounds it to 127 labels), or a non-ASCII host is longer
	// than 1024 bytes before IDNA conversion.
	ErrHostTooLong = &Error{"canon: host longer than 253 bytes"}

	// ErrLabelTooLong: AppendHost only: a label is longer than 63 bytes.
	ErrLabelTooLong = &Error{"canon: host label longer than 63 bytes"}

	// ErrHostChar: AppendHost only: the host holds a byte outside letters,
	// digits, '-', '_' and '.', after IDNA conversion (this includes spaces,
	// '*', '/', ':' outside an IPv6 literal, '%', and invalid UTF-8).
	ErrHostChar = &Error{"canon: invalid character in host"}

	// ErrIPv6: a bracketed host is not a valid IPv6 address, the bracket
	// is not followed by the end of the authority or a port, or a host
	// starts with '[' once its leading dots are removed.
	ErrIPv6 = &Error{"canon: invalid IPv6 literal"}

	// ErrZone: an IPv6 literal carries a zone ("fe80::1%eth0"); a zone
	// names an interface of one machine and has no global meaning.
	ErrZone = &Error{"canon: IPv6 zone not allowed"}

	// ErrIDNA: a non-ASCII host is not a valid internationalised domain
	// name (UTS #46 processing failed: bidi rule, joiners, bad punycode in
	// an xn-- label of the same host, …), or its A-label form holds a URL
	// delimiter or '%' ('/', '?', '\\', '@', ':', '[', ']', '%': "a／b"
	// would be "a/b"), which browsers refuse too.
	ErrIDNA = &Error{"canon: invalid internationalized domain name"}
)
