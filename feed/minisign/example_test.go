package minisign_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sift-intel/sift/feed/minisign"
)

// exampleRand makes the example reproducible: 8 bytes of key id, then the
// 32-byte seed. Real keys come from GenerateKey(nil).
const exampleRand = "sift.doc" + "an example seed, never use it!!!"

func Example() {
	pub, priv, err := minisign.GenerateKey(strings.NewReader(exampleRand))
	if err != nil {
		panic(err)
	}
	pubFile, _ := pub.MarshalText()
	fmt.Print(string(pubFile))

	// Publisher: sign the snapshot, binding its feed and version.
	const snapshot = "hello, sift\n"
	sig, err := minisign.Sign(priv, strings.NewReader(snapshot), "feed=demo version=42", "")
	if err != nil {
		panic(err)
	}
	fmt.Print(string(sig))

	// Host: verify with the pinned keys, then read the trusted comment.
	pinned := []*minisign.PublicKey{pub}
	comment, key, err := minisign.Verify(pinned, strings.NewReader(snapshot), sig)
	fmt.Printf("%q %s %v\n", comment, key.KeyID(), err)

	_, _, err = minisign.Verify(pinned, strings.NewReader("hello, sift!\n"), sig)
	fmt.Println(errors.Is(err, minisign.ErrSignature), err)
	// Output:
	// untrusted comment: minisign public key 636F642E74666973
	// RWRzaWZ0LmRvY7nZRNiXUc+cqRWqJO1d1/QnV+Z094MOs3XGojydf2Ve
	// untrusted comment: signature from minisign secret key
	// RURzaWZ0LmRvY2vQwmSvXV9ozzrZDQj/j454Mm/rrB8oI+qPeF4OWiqlXOiJWN9+t0ZybnJ08oRMu+3scPAwYGMtxPlM6jnhXww=
	// trusted comment: feed=demo version=42
	// wvlvYaTkxKY/gIu1IGKcWvM+zzwvv28qhYb4P4C9VMWAKmlO9+4ml4SFEph5ts6dq8b/fthyU4pQz/+bh4TtBg==
	// "feed=demo version=42" 636F642E74666973 <nil>
	// true minisign: signature verification failed with key 636F642E74666973
}
