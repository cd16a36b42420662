package canon_test

import (
	"strings"
	"testing"

	"github.com/sift-intel/sift/canon"
	"github.com/stretchr/testify/assert"
)

// TestNoAllocs holds the hot-path promise: Parse followed by Expressions
// (heap buffer) or Exprs (any buffer), and AppendHost, allocate nothing
// when the caller provides the buffer, for ASCII input; unescaping and
// errors do not allocate either.
func TestNoAllocs(t *testing.T) {
	urls := []string{
		// No unescaping needed: the promise.
		"http://www.example.com/a/b/c.html?x=1",
		"https://WWW.Example.COM:8443/a/./b/../c/",
		"http://user:pw@a.b.c.d.e.f.g/1/2/3/4/5.html?k=v",
		"http://3279880203/blah",
		"http://[2001:0db8::1]:80/x",
		"http://[::ffff:1.2.3.4]/x",
		"example.com",
		"http://\x01\x80.com/ x",
		// Unescaping, in the caller's buffer: free too.
		"http://host/%25%32%35",
		"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/",
		"http://www.google.com/foo\tbar\rbaz\n2",
		// Errors.
		"", "   ", "http://", "mailto:a@b", "http://[fe80::1%25eth0]/", "http://[zz]/",
		strings.Repeat("x", canon.MaxURLLength+1),
	}
	buf := make([]byte, 0, 1024)
	for _, raw := range urls {
		n := testing.AllocsPerRun(100, func() {
			u, err := canon.Parse(buf[:0], raw)
			sinkErr = err
			for e := range u.Expressions {
				sinkN += len(e)
			}
			u.Expressions(func(e []byte) bool { sinkN += len(e); return true })
		})
		assert.Zero(t, n, "Parse+Expressions(%.40q)", raw)
	}

	// Stack buffers, as match's lookups use them: Exprs keeps the buffer
	// on the stack; Expressions' callback makes it escape (documented).
	for _, raw := range urls {
		n := testing.AllocsPerRun(100, func() {
			var stack [512]byte
			u, err := canon.Parse(stack[:0], raw)
			sinkErr = err
			x := u.Exprs()
			for i := range x.Len() {
				sinkN += len(x.At(i))
			}
		})
		assert.Zero(t, n, "Parse+Exprs with a stack buffer (%.40q)", raw)
	}
	n := testing.AllocsPerRun(100, func() {
		var stack [512]byte
		u, _ := canon.Parse(stack[:0], "http://www.example.com/a/b/c.html?x=1")
		for e := range u.Expressions {
			sinkN += len(e)
		}
	})
	t.Logf("Parse+Expressions with a stack buffer: %v allocs (the buffer escapes through the callback; use Exprs)", n)

	for _, h := range []string{"www.example.com", "WWW..Example.COM.", "_dmarc.example.com", "0x7f.1", "[2001:db8::1]", "::ffff:1.2.3.4",
		"", "a b", "*.example.com", "fe80::1%eth0", strings.Repeat("a", 64)} {
		n := testing.AllocsPerRun(100, func() {
			out, err := canon.AppendHost(buf[:0], h)
			sinkN += len(out)
			sinkErr = err
		})
		assert.Zero(t, n, "AppendHost(%.40q)", h)
	}
}
