// Package bloom provides a cache-line-blocked Bloom filter for sift's hot
// paths, and builds the standard, interoperable Bloom filter of
// github.com/bits-and-blooms/bloom/v3 for exchange with other tools.
//
// # Model
//
// A Filter is an array of 512-bit blocks, each the size of one 64-byte cache
// line (Putze, Sanders and Singler, "Cache-, Hash- and Space-Efficient Bloom
// Filters", 2007). A key's hash picks one block, and all of the key's k bits
// fall inside that block, so a query reads a single cache line: one memory
// miss instead of k. The price is a little space, because blocks receive
// unequal numbers of keys: New accounts for that and sizes the filter
// so that the expected false-positive rate is at or below the one asked for
// (about 9.9 bits per key for 1 %, 15.5 for 0.1 %; a standard Bloom filter
// needs 9.6 and 14.4).
//
// A false answer from ContainsHash is always right: there are no false
// negatives. A true answer is wrong at the configured rate.
//
// # Data flow
//
// Keys are hashed once, with 64-bit xxh3, by the caller (who usually needs the
// hash for other structures too, such as hashset) or by the []byte helpers
// Add and Contains. The filter itself only ever sees the 64-bit hash:
//
//	h := xxh3.Hash(key)       // once per key
//	f.AddHash(h)              // building
//	f.ContainsHash(h)         // querying: no allocation, one cache line
//
// Within the filter, the block index is the high half of the 128-bit product
// h × blocks (fastrange, no division), and the k bit positions are 9-bit
// fields of a bijective remix of h (seven per 64-bit word; further words are
// remixed again when k > 7).
//
// # Concurrency
//
// ContainsHash and Contains are safe for concurrent use by any number of
// goroutines. AddHash and Add modify the filter and must not run concurrently
// with any other method call on the same Filter. The usual pattern is build,
// then publish (for example through an atomic.Pointer), then only query.
//
// # Serialised layout
//
// AppendBinary writes, and Open reads, the following little-endian layout
// (version 1). Every field is at an offset that is a multiple of 8 and the
// header is one cache line, so data placed at a 64-byte-aligned address is
// used in place by Open with every block on its own cache line; data at an
// 8-byte-aligned address is still used in place, and other data is copied.
//
//	offset  size  field
//	0       7     magic "siftblm"
//	7       1     format version, 1
//	8       4     k, the bits set per key, 1..32 (uint32)
//	12      4     flags, 0
//	16      8     B, the number of blocks, ≥ 1 (uint64)
//	24      40    reserved, all 0
//	64      64·B  the blocks, in order; each block is 8 uint64 words, and
//	              bit p (0..511) of a block is bit p%64 of word p/64
//
// The total length is exactly 64 + 64·B bytes; Open rejects anything else.
// The layout does not record the hash function: a filter must be queried with
// the same hash it was built with (xxh3.Hash with seed 0 for Add and
// Contains).
//
// # Which filter
//
// Use Filter inside sift and wherever lookups are hot: it is several times
// faster than a standard Bloom filter for large sets, takes a precomputed
// hash, and opens in place from a snapshot. Use Standard when the filter has
// to be read or written by other programs that speak bits-and-blooms'
// format, or when the space optimum of a standard Bloom filter matters more
// than lookup speed. For a set that never changes after it is built, a binary
// fuse or xor filter, or an exact hashset, may be smaller still.
package bloom
