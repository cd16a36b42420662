// Package canon canonicalises URLs and hosts by the Google Safe Browsing
// rules and generates their lookup expressions, without allocating on the
// query path.
//
// # Model
//
// sift stores URL and domain indicators under canonical keys and looks
// queries up under the same keys, so both sides go through this package:
//
//	build time:  indicator ──► AppendURL / Parse ─► URL.Expression (the key)
//	             domain    ──► AppendHost
//	query time:  raw URL   ──► Parse(buf, raw) ──► URL ──► Expressions / Exprs ──► lookups
//	             host      ──► AppendHost(buf, host) ──► lookup
//
// [Parse] appends the canonical URL "scheme://host/path?query" to a caller's
// buffer and returns a [URL]: that buffer plus the offsets of its parts.
// Every lookup expression (a host suffix followed by a path prefix) is a
// substring of the canonical URL, so [URL.Expressions] and [URL.Exprs]
// hand out sub-slices of it: nothing is copied.
//
// # Canonicalisation
//
// The steps of Safe Browsing v4 "URLs and Hashing", in order; the 33
// official vectors (section A of testdata/canon/safebrowsing-vectors.tsv)
// all pass:
//
//  1. Input longer than [MaxURLLength] fails with ErrTooLong.
//  2. The fragment is dropped (from the first '#'), then leading and
//     trailing bytes <= 0x20 are trimmed, then tab, CR and LF are removed
//     anywhere. Their escapes (%09, %0D, %0A) stay.
//  3. The whole URL is percent-unescaped until no escape is left, before it
//     is parsed. This takes linear time: an escape is decoded as soon as it
//     is complete, so "%2525…2541" costs one pass, not one per level (same
//     result: escapes cannot overlap). Then "http%3A%2F%2Fa.com"
//     is http://a.com/, "%2F" in a path is a separator, an escaped '#' is
//     data (it becomes %23 again), an escaped '?' starts the query.
//  4. Scheme: kept (lower-cased) when it is a syntactically valid scheme
//     followed by "//", whatever it is (ftp://, gopher://: the authority is
//     canonicalised the same way, and expressions ignore the scheme);
//     "http" when there is none ("www.google.com", "a.com:8080/x",
//     "//a.com/"). A scheme without "//" ("mailto:", "javascript:",
//     "data:", "http:/x") has no host: ErrNoHost.
//  5. Authority: up to the first '/', '?' or '\'. Userinfo (to the last
//     '@') and the port (from the first ':' outside brackets, whatever
//     follows) are dropped.
//  6. Host: see below. No host after that: ErrNoHost.
//  7. Path: "/." and "/.." segments resolved (".." at the root is dropped),
//     runs of slashes collapsed, '\' read as '/', "/" when empty. A path
//     that ends in '/', "/." or "/.." keeps a trailing '/'.
//  8. Query: kept as it is after step 3, including an empty "?" and any
//     '?', '/', '.' or ';' in it; no path rules apply.
//  9. Bytes <= 0x20, >= 0x7f, '#' and '%' are percent-escaped with
//     upper-case hex in host, path and query.
//
// The result is a fixed point: canonicalising it again gives it back
// (FuzzCanonical holds this).
//
// # Hosts
//
// A URL's host, after unescaping: bracketed, it must be an IPv6 address
// (ErrIPv6; a zone is ErrZone); otherwise, if it is not ASCII but valid
// UTF-8, it is converted to punycode A-labels (ErrIDNA on failure, and when
// the result holds a URL delimiter or '%', as "a／b" or "ü％41" would:
// browsers refuse those, and the output would not be a fixed point); then
// ASCII letters are lower-cased, leading and trailing dots removed and runs
// of dots collapsed; an IPv4 address in any spelling becomes a dotted quad;
// and a result longer than [MaxHostLength] bytes fails with ErrHostTooLong.
// Other bytes are kept and escaped, as the official vectors require
// ("http://\x01\x80.com/" is http://%01%80.com/): a URL host is not
// validated beyond that, and label lengths are not checked.
//
// [AppendHost] applies the same steps to a bare host (with or without
// brackets for IPv6) and then validates it as a DNS name: letters, digits,
// '-', '_' and '.', labels of at most 63 bytes. For every host it accepts,
// the result equals the Host of a URL with that host.
//
//   - IPv4: one to four parts, each decimal, octal (leading 0) or hex
//     (0x), every part but the last at most 255, the last filling the rest
//     (inet_aton and the WHATWG URL Standard): "3279880203" is
//     195.127.0.11, "0x7f.1" is 127.0.0.1. Like Google's Safe Browsing
//     clients, a URL host is read as an address up to a space ("10.1.2.3
//     xy" is 10.1.2.3). A numeric host that breaks these rules ("276.2.3",
//     "1.2.3.4.5") stays a name: the Go client's wrap-around of 276 and the
//     Python client's 32-bit truncation are not followed, as neither
//     inet_aton nor browsers read those as addresses.
//   - IPv6 (Safe Browsing v5 rules): the RFC 5952 form "[2001:db8::1]";
//     IPv4-mapped ::ffff:0:0/96 and NAT64 64:ff9b::/96 become the IPv4
//     address. "[::192.9.5.5]" becomes "[::c009:505]".
//   - IDN: golang.org/x/net/idna with the profile browsers use (the WHATWG
//     URL Standard's "domain to ASCII": UTS #46 non-transitional mapping,
//     CheckBidi and CheckJoiners on, CheckHyphens and the STD3 rules off),
//     so a Unicode host canonicalises to what a browser resolves:
//     "ÜMLAT.com" and "ümlat.com" are xn--mlat-zra.com, full-width digits
//     and dots are ASCII ("１２７。０。０。１" is 127.0.0.1), and '_' or
//     "r3---sn-x" labels, common in real data, pass. idna.Lookup rejects
//     both (STD3, CheckHyphens); idna.Punycode maps nothing (case would
//     survive). ASCII hosts are not passed through IDNA: an "xn--" label is
//     not validated, and the common case costs nothing. Non-ASCII hosts
//     longer than 1024 bytes fail with ErrHostTooLong before conversion
//     (punycode is quadratic in the label length; no resolvable name is
//     that long). Conversion allocates.
//   - Hosts over 253 bytes (so over 127 labels) are an error, not truncated:
//     DNS cannot resolve them, so no fetchable URL has one, and a
//     truncated key would match a different host.
//
// # Where implementations disagree
//
// Section A of the vectors decides; where it is silent, the doc's text, then
// what browsers do:
//
//   - The query is kept, an empty one too ("/q?" stays "/q?"), as section A
//     requires. Google's Go client drops it from the canonical URL and
//     Chromium drops an empty one.
//   - The query is unescaped with the rest of the URL, because the doc
//     unescapes "the URL", and re-escaped by step 9, so
//     "?a%3Ab" is "?a:b". This is what Firefox does; it keeps canonical
//     forms fixed points (a query kept escaped would have its '%' escaped
//     again on every pass).
//   - Ports are dropped, default or not, as section A requires; Google's
//     2010 client kept them.
//   - Escapes use upper-case hex; the Go client keeps the case it was given.
//   - Expressions use at most 5 hosts, as the doc says, not the 7 of the
//     Go client; an empty query adds no expression (as in the 2010 client,
//     the Go client and Chromium). No public suffix list is used.
//   - '\' counts as '/' in the authority and the path, as browsers read
//     http(s) URLs ("http://evil.example\@good.example/" goes to
//     evil.example); the doc does not mention it.
//
// # Errors
//
// Every error is one of the Err* values of type [*Error], returned as is
// (compare with errors.Is), so that a failing lookup allocates nothing; the
// caller adds the input when it reports one. NUL bytes and invalid UTF-8
// are not errors in URLs (they are escaped) and are ErrHostChar for
// AppendHost. Nothing panics on any input.
//
// # Allocation and buffers
//
// Parse, AppendURL and AppendHost append to the caller's dst and allocate
// only when it lacks capacity, or to convert a non-ASCII host. When the
// input needs unescaping, Parse stages the unescaped text in dst's spare
// capacity, so that is free too with a large enough buffer (a few hundred
// bytes hold typical URLs; the canonical form is at most three times the
// input). Expressions passes slices of the buffer to a callback, which
// makes a buffer on the caller's stack escape to the heap; Exprs does not
// (see there). Sub-slices handed out alias the buffer with their capacity
// clipped.
//
// # Concurrency
//
// All functions are safe for concurrent use. A URL or Exprs is an immutable
// view of its buffer: it may be shared as long as nobody writes the buffer.
package canon
