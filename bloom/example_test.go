package bloom_test

import (
	"fmt"

	"github.com/zeebo/xxh3"

	"github.com/sift-intel/sift/bloom"
)

func Example() {
	// Size the filter for the keys it will hold, at a 1 % false-positive rate.
	f := bloom.New(1000, 0.01)
	for _, d := range []string{"evil.example", "malware.test", "phish.invalid"} {
		f.Add([]byte(d)) // hashed with xxh3
	}

	// On a hot path, hash once and reuse the hash.
	h := xxh3.HashString("evil.example")
	fmt.Println(f.ContainsHash(h))
	fmt.Println(f.Contains([]byte("good.example"))) // false, or rarely a false positive

	// Serialise it, and open it again in place.
	data, err := f.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	g, err := bloom.Open(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Contains([]byte("malware.test")), len(data) == 64+f.SizeBytes())
	// Output:
	// true
	// false
	// true true
}
