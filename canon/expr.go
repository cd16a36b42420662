package canon

import "bytes"

// Expression returns the most specific lookup expression of u: the host,
// the path and the query, without the scheme ("a.b.c/1/2.html?param=1").
// An empty query adds nothing ("a.b/q?" gives "a.b/q"), as in Expressions.
// It is the key under which a URL indicator is stored, and always the first
// expression Expressions yields. The zero URL gives nil.
func (u URL) Expression() []byte {
	end := len(u.b)
	if u.query >= end-1 {
		end = u.query
	}
	return u.b[u.host:end:end]
}

// Expressions calls yield with each Safe Browsing lookup expression of u,
// host suffix × path prefix, until yield returns false. Being a function of
// a yield callback, the method value is an iter.Seq[[]byte]:
//
//	for expr := range u.Expressions { … }
//
// The hosts, at most 5: the exact host; then, unless the host is an IP
// literal, the suffixes formed from its last five labels by removing the
// leading label one at a time, down to two labels (the bare top-level label
// is skipped). No public suffix list is consulted: "www.phisher.co.uk"
// yields "co.uk" too, which lists never contain.
//
// The paths, at most 6: the path with the query (only when the query is not
// empty); the path without the query; then "/" and the paths formed by
// appending the first, second and third segments, each with its trailing
// '/' ("/", "/1/", "/1/2/", "/1/2/3/"), those only that are shorter than the
// path.
//
// So at most 30 expressions, each distinct, the first being Expression;
// Exprs lists the same ones.
// For "http://a.b.c/1/2.html?param=1": a.b.c/1/2.html?param=1,
// a.b.c/1/2.html, a.b.c/, a.b.c/1/, b.c/1/2.html?param=1, b.c/1/2.html,
// b.c/, b.c/1/.
//
// Every expression is a host suffix followed by a path prefix, and the
// canonical URL holds the host directly followed by the path and query, so
// every expression is a substring of it: yield receives a sub-slice of u's
// bytes, with its capacity clipped. Nothing is copied, which is why the
// expressions are not appended to a caller's buffer: the ~330 bytes a
// typical URL's expressions would take are never written. The slice must
// not be modified, and must be copied if kept beyond the life of u's
// buffer. With u's buffer on the caller's stack, use Exprs instead: see
// there.
func (u URL) Expressions(yield func(expr []byte) bool) {
	x := u.Exprs()
	for i := range x.Len() {
		if !yield(x.At(i)) {
			return
		}
	}
}

// Exprs lists the lookup expressions of a URL as offsets into its bytes:
// the same expressions, in the same order, as URL.Expressions, for code
// that must keep the URL's buffer on its stack.
//
// Expressions hands slices of the URL's buffer to yield, a function the
// compiler cannot see through, so escape analysis moves a buffer declared
// on the caller's stack to the heap: one allocation per Parse. (A buffer
// already on the heap and reused, in a field or a sync.Pool, costs nothing
// with Expressions.) Exprs calls nothing and At only returns a slice, so
// with a stack buffer a lookup allocates nothing at all:
//
//	var buf [512]byte
//	u, err := canon.Parse(buf[:0], raw)
//	…
//	x := u.Exprs()
//	for i := range x.Len() {
//		lookup(x.At(i))
//	}
//
// The zero Exprs is empty. An Exprs refers to the URL's bytes, as the URL
// does.
type Exprs struct {
	b      []byte
	hosts  [5]int32 // start offsets of the host suffixes in b
	paths  [6]int32 // end offsets of the path prefixes in b
	nh, np int32
}

// Len returns the number of expressions, 0 to 30.
func (x *Exprs) Len() int { return int(x.nh * x.np) }

// At returns expression i, 0 <= i < Len(): a sub-slice of the URL's bytes
// with its capacity clipped. It panics if i is out of range.
func (x *Exprs) At(i int) []byte {
	// A bad i panics on the array index or on the slice expression.
	h, p := x.hosts[i/int(x.np)], x.paths[i%int(x.np)]
	return x.b[h:p:p]
}

// Exprs returns the lookup expressions of u; see Expressions for which
// they are, and Exprs for why this form exists.
func (u URL) Exprs() (x Exprs) {
	if len(u.b) == 0 {
		return x
	}
	x.b = u.b
	x.hosts[0] = int32(u.host)
	x.nh = 1
	if !u.addr.IsValid() {
		// dots[k] is the (k+1)-th dot from the right; the suffix after it
		// has k+1 labels. Escaping never produces '.', and the host has no
		// leading, trailing or doubled dot, so each suffix is a proper
		// suffix of the host and not empty.
		var dots [5]int
		nd := 0
		for i := u.path - 1; i > u.host && nd < len(dots); i-- {
			if u.b[i] == '.' {
				dots[nd] = i
				nd++
			}
		}
		for k := nd - 1; k >= 1; k-- {
			x.hosts[x.nh] = int32(dots[k] + 1)
			x.nh++
		}
	}

	if u.query < len(u.b)-1 {
		x.paths[x.np] = int32(len(u.b))
		x.np++
	}
	x.paths[x.np] = int32(u.query)
	x.np++
	// The path starts with '/' and escaping never produces '/'. The prefix
	// ending at a slash equals the exact path only when that slash ends it.
	for i, n := u.path, 0; n < 4; n++ {
		j := bytes.IndexByte(u.b[i:u.query], '/')
		if j < 0 {
			break
		}
		i += j + 1
		if i != u.query {
			x.paths[x.np] = int32(i)
			x.np++
		}
	}
	return x
}
