package canon_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/canon"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestURLDecisions pins the choices the package documentation states,
// beyond what the vector files cover.
func TestURLDecisions(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"query unescaped with the URL (doc text; Mozilla)", "http://host.com/path?query%3Awith%3Acolons", "http://host.com/path?query:with:colons"},
		{"escaped ? in the path starts the query", "http://a.com/p%3Fq", "http://a.com/p?q"},
		{"escaped # is data, not a fragment", "http://a.com/p%23q#frag", "http://a.com/p%23q"},
		{"empty query kept", "http://a.com?", "http://a.com/?"},
		{"query dots and slashes kept", "http://a.com/x/../y?a/../b//c", "http://a.com/y?a/../b//c"},
		{"ports dropped", "http://a.com:8080/", "http://a.com/"},
		{"odd port text dropped", "http://a.com:80x/", "http://a.com/"},
		{"empty port dropped", "http://a.com:/", "http://a.com/"},
		{"userinfo dropped", "http://user:pass@a.com/", "http://a.com/"},
		{"userinfo to the last @", "http://u@v@a.com/", "http://a.com/"},
		{"escaped @ in userinfo", "http://u%40v@a.com/", "http://a.com/"},
		{"backslash ends the authority", "http://evil.example\\@good.example/", "http://evil.example/@good.example/"},
		{"backslash is a slash in the path", "http://a.com\\x\\..\\y", "http://a.com/y"},
		{"backslash kept in the query", "http://a.com/?x\\y", "http://a.com/?x\\y"},
		{"scheme lower-cased", "HTTPS://A.COM/", "https://a.com/"},
		{"unknown scheme with authority kept", "gopher://X.COM:70/a/./b", "gopher://x.com/a/b"},
		{"scheme-relative", "//a.com/x", "http://a.com/x"},
		{"host:port without scheme", "a.com:8080/x", "http://a.com/x"},
		{"localhost:port without scheme", "localhost:80", "http://localhost/"},
		{"ip:port without scheme", "1.2.3.4:80/", "http://1.2.3.4/"},
		{"leading control bytes trimmed", "\x00\x01 http://a.com/", "http://a.com/"},
		{"trailing whitespace before fragment trimmed", "http://a.com/x #y", "http://a.com/x"},
		{"escaped trailing space kept", "http://a.com/x%20", "http://a.com/x%20"},
		{"tab inside an escape removed first", "http://a.com/%2\t5", "http://a.com/%25"},
		{"escaped newline kept", "http://a.com/a%0Ab", "http://a.com/a%0Ab"},
		{"NUL inside", "http://a\x00b.com/\x00x", "http://a%00b.com/%00x"},
		{"invalid UTF-8 path", "http://a.com/\xff\xfe", "http://a.com/%FF%FE"},
		{"invalid UTF-8 host kept as bytes", "http://\xff.COM/", "http://%FF.com/"},
		{"bad escape %zz", "http://a.com/%zz", "http://a.com/%25zz"},
		{"bad escape %", "http://a.com/%", "http://a.com/%25"},
		{"bad escape %4", "http://a.com/%4", "http://a.com/%254"},
		{"bad escape in host", "http://a%zz.com/", "http://a%25zz.com/"},
		{"double escape collapses", "http://a.com/%252541", "http://a.com/A"},
		{"escape assembled across passes", "http://a.com/%%34%31", "http://a.com/A"},
		{"dots around the host", "http://..a..b..:80/", "http://a.b/"},
		{"parent above root", "http://a.com/../../x", "http://a.com/x"},
		{"dot segments end in a directory", "http://a.com/x/.", "http://a.com/x/"},
		{"dot dot segment ends in a directory", "http://a.com/x/y/..", "http://a.com/x/"},
		{"escaped dot segments resolved", "http://a.com/x/%2E%2e/y", "http://a.com/y"},
		{"triple dot is a name", "http://a.com/.../x", "http://a.com/.../x"},
		{"IDN upper case", "http://ÜMLAT.com/", "http://xn--mlat-zra.com/"},
		{"IDN escaped", "http://%C3%BCmlat.com/", "http://xn--mlat-zra.com/"},
		{"IDN full-width IPv4", "http://１２７。０。０。１/", "http://127.0.0.1/"},
		{"IDN with underscore and hyphens", "http://a_b.r3---sn.ü.com/", "http://a_b.r3---sn.xn--tda.com/"},
		{"IPv4 octal", "http://0177.0.0.01/", "http://127.0.0.1/"},
		{"IPv4 two parts", "http://0x7f.1/", "http://127.0.0.1/"},
		{"IPv4 with collapsed dots", "http://127..0.0.1./", "http://127.0.0.1/"},
		{"IPv4 0x alone is 0", "http://0x.0x.0x.0x/", "http://0.0.0.0/"},
		{"not IPv4: five parts", "http://1.2.3.4.5/", "http://1.2.3.4.5/"},
		{"not IPv4: 256", "http://1.2.3.256/", "http://1.2.3.256/"},
		{"IPv6 compressed", "http://[2001:0DB8:0000:0000:0000:0000:0000:0001]:443/", "http://[2001:db8::1]/"},
		{"IPv6 mapped", "http://[::ffff:c000:0201]/", "http://192.0.2.1/"},
		{"IPv6 NAT64", "http://[64:ff9b::c000:201]/", "http://192.0.2.1/"},
		{"IPv6 in userinfo ignored", "http://[::1]@a.com/", "http://a.com/"},
		{"127 labels", "http://" + strings.Repeat("a.", 126) + "a/", "http://" + strings.Repeat("a.", 126) + "a/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := canon.AppendURL(nil, tc.in)
			require.NoError(t, err, "%q", tc.in)
			assert.Equal(t, tc.want, string(got), "%q", tc.in)
			again, err := canon.AppendURL(nil, string(got))
			require.NoError(t, err)
			assert.Equal(t, string(got), string(again), "idempotent")
		})
	}
}

// TestBadInput: every input gives a defined result or one of the errors,
// quickly.
func TestBadInput(t *testing.T) {
	mb := "http://a.com/" + strings.Repeat("x", 1<<20)
	// "%252525…41" takes one naive unescaping pass per "25": quadratic.
	maxEsc := "http://a.com/%" + strings.Repeat("25", (canon.MaxURLLength-20)/2) + "41"
	for _, tc := range []struct {
		name, in string
		err      error  // nil: success with want
		want     string // checked when not empty
	}{
		{"1 MB", mb, canon.ErrTooLong, ""},
		{"1 MB of escapes", strings.Repeat("%25", 1<<20/3), canon.ErrTooLong, ""},
		{"MaxURLLength+1", "http://a.com/" + strings.Repeat("x", canon.MaxURLLength-13+1), canon.ErrTooLong, ""},
		{"MaxURLLength", "http://a.com/" + strings.Repeat("x", canon.MaxURLLength-13), nil, ""},
		{"MaxURLLength of nested escapes", maxEsc, nil, "http://a.com/A"},
		{"MaxURLLength of dots", "http://a" + strings.Repeat(".", canon.MaxURLLength-10) + "b/", nil, "http://a.b/"},
		{"MaxURLLength of dot segments", "http://a.com" + strings.Repeat("/..", (canon.MaxURLLength-12)/3), nil, "http://a.com/"},
		{"MaxURLLength of slashes", "http://a.com" + strings.Repeat("/", canon.MaxURLLength-12), nil, "http://a.com/"},
		{"300 labels", "http://" + strings.Repeat("a.", 299) + "a/", canon.ErrHostTooLong, ""},
		{"254-byte host", "http://" + strings.Repeat("a", 254) + "/", canon.ErrHostTooLong, ""},
		{"long non-ASCII host", "http://" + strings.Repeat("ü", 600) + "/", canon.ErrHostTooLong, ""},
		{"long host of zeros is octal 0", "http://" + strings.Repeat("0", canon.MaxURLLength-8) + "/", nil, "http://0.0.0.0/"},
		{"long host of digits", "http://" + strings.Repeat("1", canon.MaxURLLength-8) + "/", canon.ErrHostTooLong, ""},
		{"NUL only", "\x00", canon.ErrEmpty, ""},
		{"NUL host", "http://\x00/", nil, "http://%00/"},
		{"invalid UTF-8 only", "\xff", nil, "http://%FF/"},
		{"%zz", "%zz", nil, "http://%25zz/"},
		{"%", "%", nil, "http://%25/"},
		{"%4", "%4", nil, "http://%254/"},
		{"IPv6 zone", "http://[fe80::1%25eth0]/", canon.ErrZone, ""},
		{"IPv6 raw zone", "http://[fe80::1%eth0]/", canon.ErrZone, ""},
		{"IPv6 unclosed", "http://[::1/", canon.ErrIPv6, ""},
		{"IPv6 trailing junk", "http://[::1]x/", canon.ErrIPv6, ""},
		{"IPv6 holding IPv4", "http://[1.2.3.4]/", canon.ErrIPv6, ""},
		{"IPv6 garbage", "http://[zz]/", canon.ErrIPv6, ""},
		{"IPv6 unbracketed", "http://::1/", canon.ErrNoHost, ""},
		{"IDN bad joiner", "http://ü\u200d.com/", canon.ErrIDNA, ""},
		{"IDN bad punycode beside", "http://xn--zz.ü.com/", canon.ErrIDNA, ""},
		{"IDN mapping to a slash", "http://a／b.ü/", canon.ErrIDNA, ""},
		{"IDN mapping to an at", "http://a＠ü.com/", canon.ErrIDNA, ""},
		{"IDN mapping to a colon", "http://ü：80/", canon.ErrIDNA, ""},
		{"bracket after dots", "http://.[00/", canon.ErrIPv6, ""},
		{"IDN with a percent", "http://%ѹ00/", canon.ErrIDNA, ""},
		{"IDN mapping to a percent", "http://ü％41/", canon.ErrIDNA, ""},
		{"unknown scheme without authority", "javascript:alert(1)", canon.ErrNoHost, ""},
		{"data URL", "data:text/html,<b>x</b>", canon.ErrNoHost, ""},
		{"mailto", "mailto:a@b.com", canon.ErrNoHost, ""},
		{"http with one slash", "http:/a.com/", canon.ErrNoHost, ""},
		{"http://", "http://", canon.ErrNoHost, ""},
		{"http:///", "http:///", canon.ErrNoHost, ""},
		{"only userinfo", "http://user@/", canon.ErrNoHost, ""},
		{"only port", "http://:80/", canon.ErrNoHost, ""},
		{"only dots", "http://.../", canon.ErrNoHost, ""},
		{"empty", "", canon.ErrEmpty, ""},
		{"spaces", "   ", canon.ErrEmpty, ""},
		{"tabs and newlines", "\t\r\n", canon.ErrEmpty, ""},
		{"fragment only", "#x", canon.ErrEmpty, ""},
		{"escaped space only", "%20", nil, "http://%20/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			u, err := canon.Parse(nil, tc.in)
			got, aerr := canon.AppendURL(nil, tc.in)
			if d := time.Since(start); d > time.Second {
				t.Logf("slow: %v", d) // reported, not asserted: timing is noisy
			}
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.ErrorIs(t, aerr, tc.err)
				assert.False(t, u.IsValid())
				assert.Nil(t, got)
				var ce *canon.Error
				assert.True(t, errors.As(err, &ce))
				return
			}
			require.NoError(t, err)
			require.NoError(t, aerr)
			assert.Equal(t, u.String(), string(got))
			if tc.want != "" {
				assert.Equal(t, tc.want, u.String())
			}
		})
	}
}

func TestAppendHost(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	for _, tc := range []struct {
		name, in, want string
		err            error
	}{
		{"lower and dots", "WWW..Example.COM.", "www.example.com", nil},
		{"leading dots", "..a.b", "a.b", nil},
		{"single label", "localhost", "localhost", nil},
		{"underscore", "_dmarc.Example.com", "_dmarc.example.com", nil},
		{"hyphens anywhere", "-x-.r3---sn-abc.example", "-x-.r3---sn-abc.example", nil},
		{"IDN", "Bücher.DE", "xn--bcher-kva.de", nil},
		{"IDN punycode already", "xn--bcher-kva.de", "xn--bcher-kva.de", nil},
		{"IDN full-width dots", "bücher。de", "xn--bcher-kva.de", nil},
		{"IPv4", "192.0.2.1", "192.0.2.1", nil},
		{"IPv4 hex short", "0x7f.1", "127.0.0.1", nil},
		{"IPv4 integer", "3279880203", "195.127.0.11", nil},
		{"IPv4 trailing dot", "1.2.3.4.", "1.2.3.4", nil},
		{"IPv4 full-width", "１２７。０。０。１", "127.0.0.1", nil},
		{"numeric but not IPv4", "1.2.3.4.5", "1.2.3.4.5", nil},
		{"IPv6 bare", "2001:0DB8::1", "[2001:db8::1]", nil},
		{"IPv6 bracketed", "[::1]", "[::1]", nil},
		{"IPv6 mapped", "::ffff:1.2.3.4", "1.2.3.4", nil},
		{"IPv6 NAT64", "[64:ff9b::1.2.3.4]", "1.2.3.4", nil},
		{"63-byte label", long63 + ".com", long63 + ".com", nil},
		{"253 bytes", strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 126) + "a", nil},

		{"empty", "", "", canon.ErrEmpty},
		{"dots only", "...", "", canon.ErrEmpty},
		{"64-byte label", long63 + "a.com", "", canon.ErrLabelTooLong},
		{"300 labels", strings.Repeat("a.", 299) + "a", "", canon.ErrHostTooLong},
		{"254 bytes", strings.Repeat("a.", 126) + "ab", "", canon.ErrHostTooLong},
		{"1 MB", strings.Repeat("a", 1<<20), "", canon.ErrTooLong},
		{"space", "a b.com", "", canon.ErrHostChar},
		{"wildcard", "*.a.com", "", canon.ErrHostChar},
		{"port", "a.com:443", "", canon.ErrHostChar},
		{"escape", "a%2eb.com", "", canon.ErrHostChar},
		{"slash", "a.com/x", "", canon.ErrHostChar},
		{"NUL", "a\x00b.com", "", canon.ErrHostChar},
		{"invalid UTF-8", "\xff.com", "", canon.ErrHostChar},
		{"IDN maps to a bad char", "a／b.com", "", canon.ErrHostChar},
		{"IDN invalid", "ü\u200d.com", "", canon.ErrIDNA},
		{"zone", "fe80::1%eth0", "", canon.ErrZone},
		{"zone bracketed", "[fe80::1%25eth0]", "", canon.ErrZone},
		{"IPv6 unclosed", "[::1", "", canon.ErrIPv6},
		{"IPv6 garbage", "[zz]", "", canon.ErrIPv6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := canon.AppendHost([]byte("x:"), tc.in)
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				assert.Equal(t, "x:", string(got), "dst unchanged")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "x:"+tc.want, string(got))
			again, err := canon.AppendHost(nil, tc.want)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(again), "idempotent")
			// The same host in a URL gives the same host.
			h := tc.in
			if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
				h = "[" + h + "]"
			}
			u, err := canon.Parse(nil, "http://"+h+"/")
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(u.Host()))
			if a, err := netip.ParseAddr(strings.Trim(tc.want, "[]")); err == nil {
				assert.Equal(t, a, u.Addr())
			} else {
				assert.False(t, u.Addr().IsValid())
			}
		})
	}
}

func TestURLParts(t *testing.T) {
	u, err := canon.Parse([]byte("keep"), "HTTPS://user@WWW.Example.com:8443/a/./b/../c?x=1&y=/z#frag")
	require.NoError(t, err)
	assert.Equal(t, "https://www.example.com/a/c?x=1&y=/z", u.String())
	assert.Equal(t, "https", string(u.Scheme()))
	assert.Equal(t, "www.example.com", string(u.Host()))
	assert.Equal(t, "/a/c?x=1&y=/z", string(u.Path()))
	q, ok := u.Query()
	assert.True(t, ok)
	assert.Equal(t, "x=1&y=/z", string(q))
	assert.Equal(t, "www.example.com/a/c?x=1&y=/z", string(u.Expression()))
	assert.False(t, u.Addr().IsValid())
	assert.True(t, u.IsValid())

	u, err = canon.Parse(nil, "a.com/p?")
	require.NoError(t, err)
	q, ok = u.Query()
	assert.True(t, ok)
	assert.Empty(t, q)
	assert.Equal(t, "a.com/p", string(u.Expression()), "an empty query adds nothing")

	u, err = canon.Parse(nil, "a.com")
	require.NoError(t, err)
	_, ok = u.Query()
	assert.False(t, ok)
	assert.Equal(t, "http", string(u.Scheme()))
}

// TestParseAppends: Parse appends after dst's bytes and leaves them alone,
// on the fast path and on the unescaping path, with and without room.
func TestParseAppends(t *testing.T) {
	for _, raw := range []string{"http://a.com/x", "http://a.com/%41%2541\tb", "http://A.com/" + strings.Repeat("%25", 200)} {
		for _, c := range []int{0, 8, 4096} {
			dst := append(make([]byte, 0, c), "prefix"...)
			u, err := canon.Parse(dst, raw)
			require.NoError(t, err)
			want, err := canon.AppendURL(nil, raw)
			require.NoError(t, err)
			assert.Equal(t, string(want), u.String())
			assert.Equal(t, "prefix", string(dst))
			out, err := canon.AppendURL(dst, raw)
			require.NoError(t, err)
			assert.Equal(t, "prefix"+string(want), string(out))
		}
	}
}

func TestIsCanonicalHost(t *testing.T) {
	for h, want := range map[string]bool{
		"evil.example": true, "a-b_c.x1.example": true, "xn--bcher-kva.example": true, "localhost": true,
		"Evil.example": false, "evil.example.": false, ".evil.example": false, "evil..example": false,
		"1.2.3.4": false, "0x7f.1": false, "": false, "bücher.example": false, "a b.example": false,
		strings.Repeat("a", 64) + ".example": false,
	} {
		assert.Equal(t, want, canon.IsCanonicalHost(h), "%q", h)
		if want {
			got, err := canon.AppendHost(nil, h)
			require.NoError(t, err, h)
			assert.Equal(t, h, string(got), "a canonical host is its own canonical form")
		}
	}
}

func FuzzIsCanonicalHost(f *testing.F) {
	for _, s := range []string{"evil.example", "a.b", "1.2.3.4", "A.b", "x..y", "_.-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !canon.IsCanonicalHost(h) {
			return
		}
		got, err := canon.AppendHost(nil, h)
		if err != nil || string(got) != h {
			t.Fatalf("IsCanonicalHost(%q) but AppendHost gives %q, %v", h, got, err)
		}
	})
}
