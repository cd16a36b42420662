// Package hashset maps 64-bit fingerprints to uint32 values in a flat,
// immutable hash table that can be used in place from its serialised bytes.
//
// # Model
//
// A [Set] is built once from a list of [Entry] values and never changes. It is
// the exact-match index behind sift's file-hash section: a key (a digest, a
// host name) is hashed with xxh3 under the Set's seed into a 64-bit
// fingerprint, and the fingerprint leads to the values stored under it,
// typically record indexes. A fingerprint is not the key: two keys can share
// one, so the caller confirms each candidate against its own copy of the key.
// The Set never merges two entries that share a fingerprint; [Set.Lookup]
// returns every value stored under it.
//
// The table holds 32 bits of each fingerprint, not 64: the high bits choose
// the bucket, 31 low bits are kept as a tag. A lookup therefore returns the
// values under fingerprints that agree with the query on the bucket and the
// tag: in a table of n entries, another fingerprint is also returned with a
// probability of about 8/2^31 per lookup. Callers confirm candidates against
// the key in any case, and the table is half the size it would be with full
// fingerprints: this is the trade that keeps a lookup at one cache line and
// 16 bytes per entry.
//
// # Layout
//
// The table is an array of 64-byte buckets, one cache line each, holding
// eight tags and their eight values:
//
//	bucket:  tag[8] uint32 | value[8] uint32      (64 bytes)
//
// Bit 31 of tag[0] is the bucket's overflow flag; tags are 31 bits, and tag
// 0 marks an empty slot (a fingerprint whose tag would be 0 gets 1). A
// fingerprint's home bucket is chosen by multiplying it with the number of
// home buckets and keeping the high 64 bits (Lemire's fastrange), so no
// power of two is imposed on the table size; the load is about half, 16
// bytes per entry. An entry whose home bucket is full goes to the next
// bucket with room (linear probing over buckets), and every bucket it passes
// gets the overflow flag. A lookup compares the eight tags of its home
// bucket at once, in two 64-bit words at a time, and stops there unless the
// overflow flag is set: at half load, in 2% of buckets. A lookup costs one
// cache line, on a hit and on a miss.
//
// Serialised, a Set is a 64-byte header followed by the buckets:
//
//	offset  size  field
//	0       8     magic "sifths\x00\x03"
//	8       8     seed (uint64, little-endian)
//	16      8     home buckets
//	24      8     buckets (home buckets and the overflow tail)
//	32      8     entries
//	40      24    zero
//	64      64*n  buckets, each: 8 uint32 tags, 8 uint32 values
//
// [Open] uses these bytes in place when they are 8-byte aligned on a
// little-endian machine and copies them otherwise.
//
// # Concurrency
//
// A Set is immutable: any number of goroutines may call its methods at once.
package hashset
