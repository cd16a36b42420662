// Package match decides whether a value is a known threat indicator, and
// what is known about it, in nanoseconds and without allocating.
//
// # Model
//
// An [Indicator] is a value of some [Kind] (a file digest, an IP address or
// prefix, a domain, a URL, and in later kinds a byte pattern), an
// [Action] (block, monitor, or allow: an administrator's override) and
// [Meta]: the feed it came from, a category, a severity, a confidence, tags,
// when it was seen and when it expires.
//
// A [Builder] takes indicators, validates and normalises each one (hex in
// any case, IPv4-mapped IPv6 as IPv4, host bits of a prefix cleared) and
// builds an immutable [Set]. A Set answers lookups with a [Verdict]: a
// small comparable value that says what to do and which indicator decided
// it. The strings behind a Verdict are read from the Set by ID only when
// the caller asks, with [Set.Indicator] and [Set.Label].
//
//	indicators ──► Builder.Add ──► Builder.Build ──► Set ──► Lookup* ──► Verdict
//	                (normalise,      (precedence        (immutable,      (small value;
//	                 reject, count)   settled here)      shared freely)    strings by ID)
//
// An [Engine] holds the current Set and swaps in new ones while lookups go
// on. A Set serialises with [Set.AppendBinary] and opens in place from
// bytes with [Open], without parsing; package feed wraps that form in a
// signed snapshot.
//
// # Matching
//
//   - A hash (MD5, SHA-1, SHA-256) matches the same digest exactly; the kind
//     follows from the length. Lookups confirm the full digest, not a
//     fingerprint.
//   - An IP indicator matches that address; a CIDR indicator every address
//     in its prefix. IPv4-mapped IPv6 is IPv4. The most specific prefix
//     decides.
//   - A domain matches itself and every subdomain; "*.example.com" matches
//     the subdomains only. Hosts are canonicalised (lower case, dots,
//     punycode, any IPv4 spelling) by package canon, at build time and on
//     every query. A public suffix (com, co.uk, github.io) is refused at
//     build time: it would match every name under it. The public suffix
//     list is consulted at build time only.
//   - A URL indicator is stored as its canonical Safe Browsing expression
//     (host and path, with the query); a URL query matches it when one of
//     the query's expressions (up to 5 host suffixes × 6 path prefixes)
//     equals it. A URL query also checks its host as a domain, and as an
//     address when it is an IP literal.
//   - An indicator whose Expires time has passed does not match.
//
// # Precedence
//
// When several indicators match one query, one decides, in this order:
//
//  1. an allow indicator wins over every monitor or block indicator;
//  2. then the most specific: a URL match over a domain match over an
//     address match; among URL matches the longer expression, among domain
//     matches the one with more labels, among prefixes the longest;
//  3. then the higher severity;
//  4. then block over monitor, then the higher confidence.
//
// The Builder settles precedence when it builds the Set: each key of the
// lookup structures leads to its candidates already in this order, so a
// lookup only skips expired ones.
//
// # Concurrency
//
// A Set is immutable and safe for concurrent use; lookups never lock. A
// Builder is not safe for concurrent use. An Engine's methods are safe for
// concurrent use.
package match
