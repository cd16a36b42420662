// Package remote is sift's remote tier: a compact local pattern that
// decides almost every lookup on the host, and a service that answers the
// rest without learning what was looked up. It is Safe Browsing's
// Update API model applied to every kind of indicator sift holds.
//
// # The model
//
// A publisher builds an [Index] from a [match.Set] with [NewIndex]. The
// Index holds the SHA-256 of every lookup key of the Set's indicators
// (a domain, a URL expression, an address prefix, a digest, an e-mail
// address, a JA3 fingerprint), sorted, with the answer of the indicator
// that decides each key. Its [Filter] holds the same keys in cache-line
// blocked Bloom filters, a few bits per key (2.5 bytes per indicator on the
// real lists at the default 1% false-positive rate), and is what hosts
// download:
// [Filter.AppendBinary] writes it, [OpenFilter] opens it in place.
//
// A [Client] answers a lookup from the Filter when none of the query's keys
// passes it, which is the case for a benign query but for the filter's
// false positives: nothing leaves the host and nothing is allocated
// (BenchmarkRemote puts such lookups within 1.1× of the full Set for
// domains and URLs). For each key that passes, it sends the first 4 to 8 bytes
// of the key's SHA-256 (Config.PrefixLen) to a [Resolver], which returns
// every full hash the Index holds with that prefix, and the Client decides
// locally by comparing full hashes. Answers are cached with the TTLs the
// server gives (positive per full hash, negative per prefix); concurrent
// lookups of the same prefix share one round trip; each round trip is
// bounded by Config.Timeout; and when the server does not answer, the
// lookup is answered by the explicit [OfflinePolicy] and marked
// Unconfirmed, never silently as "not listed".
//
// The verdicts equal match.Set's (differential tests hold them to it):
// a domain matches itself and its subdomains, "*.domain" only its
// subdomains, a URL its Safe Browsing expressions, its hosts as domains
// and an IP-literal host as an address, an address its most specific
// listed prefix. Byte patterns and User-Agent substrings are matched in
// payloads, not by key, and are not served (IndexStats.Skipped counts
// them). Among the answers for a query's keys the Client applies match's
// precedence: allow first, then the more specific key, the higher
// severity, block over monitor.
//
// # What the server learns
//
// Only hash prefixes of keys that passed the filter: keys of listed
// indicators, and for benign queries the filter's false positives (1% of
// keys at the default rate). A 4-byte prefix is shared by about 2^-32 of
// all possible keys, so it names a bucket, not a site: the server cannot
// tell which of the many keys with that prefix was meant, and it never
// sees the query, the full hash, the path or the query string. What it
// does learn is that some host asked about that prefix at that time,
// which is what Safe Browsing's v4 Update API discloses too. Longer
// prefixes narrow the bucket; [Server] logs, stores and counts nothing of
// a request and marks its responses "no-store".
//
// The protocol is one POST of JSON (see [HTTPResolver] and [Server]):
//
//	request:  {"feed": "urlhaus", "version": 7, "prefixes": ["1a2b3c4d", …]}
//	response: {"feed": "urlhaus", "version": 7,
//	           "matches": [{"hash": "<64 hex>", "id": 12, "action": "block", …}],
//	           "positive_ttl_seconds": 300, "negative_ttl_seconds": 300}
//
// Both sides decode strictly, and the Client refuses a response that
// holds a hash it did not ask about or a field out of range: a malformed
// or hostile answer is a failure (the offline policy), never a verdict.
//
// # Sightings
//
// [Sightings] is opt-in telemetry for a feed's publisher: which indicators
// decide verdicts, and how often. Nothing in sift creates one. It counts
// indicator IDs of block and monitor verdicts, never the queried values,
// client addresses, host names, user identities or per-lookup times, and
// at the end of each interval sends one [Report] per sink with the IDs
// counted at least Threshold times (10 by default); lower counts are
// dropped, so a single user's single visit to a rare listed site is not
// reported. IDs are meaningful only within the Set named by the Report's
// feed and version.
package remote
