// Package trie holds sift's structures for matching strings: the
// dictionary of domain suffixes and URL expressions ([Dict]), and, for byte
// and string patterns, an Aho-Corasick automaton.
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
// # Concurrency
//
// Every structure here is immutable once built and safe for concurrent
// use.
package trie
