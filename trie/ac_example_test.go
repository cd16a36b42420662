package trie_test

import (
	"fmt"
	"log"

	"github.com/sift-intel/sift/trie"
)

func ExampleAutomaton() {
	a, err := trie.BuildAutomaton([]trie.Pattern{
		{Bytes: []byte("evil.example")},
		{Bytes: []byte("/wp-login.php")},
		{Bytes: []byte("MALWARE"), Fold: true}, // any ASCII case
		{Bytes: []byte("example")},             // a suffix of pattern 0
	}, trie.AutomatonConfig{})
	if err != nil {
		log.Fatal(err)
	}
	text := []byte(`GET http://evil.example/wp-login.php?x=Malware HTTP/1.1`)
	a.Scan(text, func(id, start, end int) bool {
		fmt.Printf("pattern %d at [%d:%d] %q\n", id, start, end, text[start:end])
		return true // false would stop the scan
	})
	// Output:
	// pattern 0 at [11:23] "evil.example"
	// pattern 3 at [16:23] "example"
	// pattern 1 at [23:36] "/wp-login.php"
	// pattern 2 at [39:46] "Malware"
}

// A Scanner carries the scan across chunks, so a match that spans two
// chunks is found, with offsets counted from the start of the stream.
func ExampleScanner() {
	a, err := trie.BuildAutomaton([]trie.Pattern{{Bytes: []byte("\x7fELF")}}, trie.AutomatonConfig{})
	if err != nil {
		log.Fatal(err)
	}
	sc := a.Scanner()
	for _, chunk := range []string{"....\x7fE", "LF....", "\x7fELF"} {
		sc.Write([]byte(chunk), func(id, start, end int) bool {
			fmt.Printf("ELF header at %d\n", start)
			return true
		})
	}
	fmt.Println(sc.Offset(), "bytes")
	// Output:
	// ELF header at 4
	// ELF header at 12
	// 16 bytes
}

// An automaton serialises to bytes and opens from them in place, without
// a rebuild.
func ExampleOpenAutomaton() {
	a, err := trie.BuildAutomaton([]trie.Pattern{{Bytes: []byte("needle")}}, trie.AutomatonConfig{})
	if err != nil {
		log.Fatal(err)
	}
	data, err := a.AppendBinary(nil)
	if err != nil {
		log.Fatal(err)
	}
	b, err := trie.OpenAutomaton(data) // data is used in place
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Contains([]byte("haystack with a needle")), b.Verify())
	// Output: true <nil>
}

func ExampleCapError() {
	_, err := trie.BuildAutomaton([]trie.Pattern{{Bytes: []byte("a long pattern")}}, trie.AutomatonConfig{MaxStates: 8})
	fmt.Println(err)
	// Output: trie: pattern set exceeds the automaton cap MaxStates=8: reached 9 states
}
