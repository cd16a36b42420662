package canon_test

import (
	"errors"
	"fmt"

	"github.com/sift-intel/sift/canon"
)

func Example() {
	// At query time: a stack buffer, parsed parts, expressions as
	// sub-slices of the canonical URL. Nothing allocates.
	var buf [512]byte
	u, err := canon.Parse(buf[:0], "HTTP://user@www.Example.COM:8080/a/./b/../c.html?q=1#frag")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s\n%s %s\n", u.Bytes(), u.Host(), u.Path())
	x := u.Exprs()
	for i := range x.Len() {
		fmt.Printf("  %s\n", x.At(i))
	}

	// At build time: canonical keys appended to one buffer.
	keys, _ := canon.AppendURL(nil, "evil.example/%2e%2E/login%3Fnext=1")
	keys = append(keys, ' ')
	keys, _ = canon.AppendHost(keys, "Bücher.Example.")
	keys = append(keys, ' ')
	keys, _ = canon.AppendHost(keys, "0x7f.1")
	fmt.Printf("%s\n", keys)

	_, err = canon.Parse(nil, "http://[fe80::1%25eth0]/")
	fmt.Println(err, errors.Is(err, canon.ErrZone))

	// Output:
	// http://www.example.com/a/c.html?q=1
	// www.example.com /a/c.html?q=1
	//   www.example.com/a/c.html?q=1
	//   www.example.com/a/c.html
	//   www.example.com/
	//   www.example.com/a/
	//   example.com/a/c.html?q=1
	//   example.com/a/c.html
	//   example.com/
	//   example.com/a/
	// http://evil.example/login?next=1 xn--bcher-kva.example 127.0.0.1
	// canon: IPv6 zone not allowed true
}

func ExampleURL_Expressions() {
	u, err := canon.Parse(nil, "http://a.b.c.d.e.f.g/1.html")
	if err != nil {
		fmt.Println(err)
		return
	}
	for expr := range u.Expressions {
		fmt.Printf("%s\n", expr)
	}
	// Output:
	// a.b.c.d.e.f.g/1.html
	// a.b.c.d.e.f.g/
	// c.d.e.f.g/1.html
	// c.d.e.f.g/
	// d.e.f.g/1.html
	// d.e.f.g/
	// e.f.g/1.html
	// e.f.g/
	// f.g/1.html
	// f.g/
}
