// Package trie holds sift's structures for matching strings: the
// dictionary of domain suffixes and URL expressions ([Dict]), and, for byte
// and string patterns, an Aho-Corasick automaton ([Automaton]).
//
// # Domains and URLs: suffix hashing
//
// A domain indicator matches a host and its subdomains; a URL indicator
// matches the URLs whose Safe Browsing expressions (host suffix × path
// prefix, see package canon) include it. Both are answered by hashing: the
// keys a query could match are few (a host of n labels has n suffixes; a
// URL has at most 30 expressions), so a query looks each one up in a Dict
// instead of walking a tree of labels. Each lookup costs a hash and, for
// the keys that are absent, one cache line of a Bloom filter; only keys that
// are present reach the table. BenchmarkDomains compares this with a trie of
// reversed labels, which needs a dependent memory access per label.
//
// # Byte patterns: the Aho-Corasick automaton
//
// [BuildAutomaton] compiles literal byte patterns, each exact or ASCII
// case-insensitive ([Pattern].Fold), into an [Automaton]; pattern IDs are
// their indexes. One pass over a text reports every occurrence of every
// pattern (overlapping ones, patterns that are suffixes of others,
// duplicates under each ID) with its ID and start and end offsets, through
// a callback, without allocating. A [Scanner] carries the state and the
// absolute offset across the chunks of a stream, in bounded memory, and
// reports exactly the matches of one pass. An Automaton serialises with
// AppendBinary and opens in place with [OpenAutomaton]; [AutomatonConfig]
// caps its states and bytes, and a set that would pass a cap is refused
// with a [*CapError] that names it.
//
// Case folding per pattern. Exact patterns go into one trie as they are;
// folded ones into a second, in lower case, which reads the text lower-
// cased. The automaton is the product of the two Aho-Corasick automata: a
// state is a pair of trie nodes, and a pair is determined by its deeper
// member (plus, when that is the folded one, the case of the bytes it
// spans as far as the exact trie tells them apart), so there are about as
// many states as trie nodes; with one trie empty this is plain
// Aho-Corasick. Bytes fall into classes that no trie tells apart; a
// letter that an exact pattern uses is a class of its own, so "(?i)ab" and
// an exact "aB" get distinct transitions. The failure function and the
// dictionary suffix links carry over to pairs, and the build works on
// them directly: it never expands a folded pattern into its case
// variants.
//
// Layout, chosen by BenchmarkACLayout (10k IOC patterns over 1 MiB of an
// Apache log, CPU-time MiB/s; numbers below). Every state near the root
// has a dense row: one uint32 per byte class, the next state premultiplied
// by the row width, with a bit for "has outputs" and one for "sparse", so a
// step is one load. Whole depths are dense while the rows fit a 16 MiB
// budget (depth 7 at 10k patterns, 3 at 100k, all of them at 100). Deeper
// states, which a log visits on a few percent of its bytes, have sparse
// records: the classes where the state's transition differs from that of
// its fallback, the nearest dense state on its failure chain, and the
// targets. A step from a deep state is thus one record and at most one
// dense row, never a walk along failure links; three quarters of the deep
// states have a single such class and no outputs, and a record of two
// words. Outputs are blocks of pattern IDs, each linked to the next state
// on the failure chain that has outputs (the dictionary suffix link).
// State references are 32 bits: 10k patterns have 193k states, past what
// 16 bits address, and halving the dense rows would cost an indirection on
// every transition into a sparse state.
//
//	10k patterns      dense   size      MiB/s
//	depth ≤ 2         0.5 MB   3.1 MiB    148
//	depth ≤ 3         2.7 MB   4.7 MiB    275
//	depth ≤ 4         5.8 MB   7.5 MiB    559
//	16 MiB (depth ≤ 7) 16 MB  17.0 MiB    711   the default
//	32 MiB (depth ≤ 12)       33.0 MiB    703
//	full DFA          79 MB   76.3 MiB    859
//
// The full DFA is a fifth faster at 10k patterns for 4.5 times the memory,
// and at 100k patterns would take 800 MB; there the 16 MiB budget (36 MiB
// in all) scans 1.6 times as fast as an 8 MiB one.
//
// Scanning. One stream takes a dependent load per byte, so its speed is
// the latency of the table. A text of more than 4 × max(4 KiB, 8 × the
// longest pattern) is cut into four segments scanned in one loop, each
// lane a byte at a time, so that their loads overlap; a lane starts at the
// root one longest-pattern before its segment (an Aho-Corasick state
// depends only on that many bytes), queues its matches, and they are
// reported in order once the earlier lanes are done. While all four lanes
// are in dense states the loop is four loads and one test per step. Where
// most steps find some lane in a sparse state (100k IOC patterns over the
// same log: half of them), the lanes are slower than one stream, and the
// scan switches to one stream for a stretch that doubles each time.
// Measured (BenchmarkACStream): 10k patterns, 2.2 times one stream; 100
// patterns, 2.7 times. A Scanner fed chunks shorter than that threshold
// scans them as one stream.
//
// Performance (BenchmarkAC, BenchmarkACBuild; the peers in the bench
// module, BenchmarkACPeers; medians of 5 runs on a shared 2-vCPU VM, with
// 10k, 100 and 100k IOC-like patterns from the shared corpus over 1 MiB of
// an Apache log and of a Zeek DNS log):
//
//	                       sift         coregx v0.3.1   cloudflare
//	100 patterns, apache   1117 MiB/s   338 (3.3×)      169 (6.6×)
//	10k patterns, apache    528 MiB/s   215 (2.5×)       81 (6.5×)
//	10k patterns, zeekdns   827 MiB/s   247 (3.3×)       70 (11.8×)
//	100k patterns, apache   149 MiB/s   117 (1.3×)      — (about 10 GB)
//	memory at 10k           17.9 MiB    95 MiB          955 MiB
//	memory at 100k          36.3 MiB    1.6 GiB         —
//	build at 10k / 100k     0.19 / 1.7 s 1.1 / 10 s      2.3 s / —
//
// The remaining limit is memory latency: at 100k patterns the log spends
// a sixth of its bytes in the 20 MB of sparse records, which no layout
// keeps in the 2 MiB L2 cache; every scan there is within 1.3 times of
// the others.
//
// Safety. Open checks the header, every length, the patterns and the
// dense rows' references (a pass over at most the dense budget), so that
// the dense step can load without a bounds check; a sparse record's words
// are checked as a scan reads them, and a reference that leads nowhere
// sends the scan back to the root. An automaton opened from any bytes
// scans in bounds and in time linear in the text; [Automaton.Verify]
// rebuilds it from its patterns and compares every table.
//
// # Concurrency
//
// Every structure here is immutable once built and safe for concurrent
// use. A Scanner belongs to one goroutine at a time.
package trie
