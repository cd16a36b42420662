// Package hashset maps 64-bit fingerprints to uint32 values in a flat,
// immutable hash table that can be used in place from its serialised bytes.
//
// # Model
//
// A [Set] is built once from a list of [Entry] values and never changes. It is
// the exact-match index behind sift's file-hash section: a key (a digest, a
// host name) is hashed with xxh3 under the Set's seed into a fingerprint, and
// the fingerprint leads to the values stored under it, typically record
// indexes. A fingerprint is not the key: two keys can share one, so the
// caller confirms each candidate against its own copy of the key. The Set
// never merges two entries that share a fingerprint; [Set.Lookup] returns
// every value stored under it.
//
// # Layout
//
// The table is an array of 64-byte buckets, one cache line each, holding five
// fingerprints, their five values and a flag word:
//
//	bucket:  fp[5] uint64 | value[5] uint32 | flags uint32      (64 bytes)
//
// A fingerprint's home bucket is chosen by multiplying it with the number of
// home buckets and keeping the high 64 bits (Lemire's fastrange), so no power
// of two is imposed on the table size and the load stays near 85%: about 15
// bytes per entry. Entries whose home bucket is full go to the next bucket
// with room (linear probing over buckets), and the flag word of every bucket
// they pass over says so. A lookup reads its home bucket and stops there
// unless the flag says that entries from it or before it continue further:
// a miss almost always costs one cache line, a hit one cache line too.
// The fingerprint 0 marks an empty slot; a real fingerprint of 0 is stored
// as 1.
//
// Serialised, a Set is a 64-byte header followed by the buckets:
//
//	offset  size  field
//	0       8     magic "sifths\x00\x01"
//	8       8     seed (uint64, little-endian)
//	16      8     home buckets
//	24      8     total buckets (home buckets plus overflow tail)
//	32      8     entries
//	40      24    zero
//	64      64*n  buckets, each: 5 uint64 fingerprints, 5 uint32 values, uint32 flags
//
// [Open] uses these bytes in place when they are 8-byte aligned on a
// little-endian machine and copies them otherwise.
//
// # Concurrency
//
// A Set is immutable: any number of goroutines may call its methods at once.
package hashset
