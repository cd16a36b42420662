package remote

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/sift-intel/sift/internal/shape"
	"math/bits"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/match"
	"github.com/zeebo/xxh3"
)

// OfflinePolicy says what a lookup answers when it needs the server and
// the server does not answer (an error, a timeout, a malformed response).
type OfflinePolicy uint8

const (
	// FailOpen answers ActionNone, marked Unconfirmed: availability over
	// protection. It is the zero value.
	FailOpen OfflinePolicy = iota
	// FailClosed answers ActionBlock, marked Unconfirmed: protection over
	// availability.
	FailClosed
)

// String returns "fail-open" or "fail-closed".
func (p OfflinePolicy) String() string {
	switch p {
	case FailOpen:
		return "fail-open"
	case FailClosed:
		return "fail-closed"
	}
	return fmt.Sprintf("OfflinePolicy(%d)", uint8(p))
}

// Config configures a [Client]. Filter and Resolver are required; every
// other field's zero value is a sensible default.
type Config struct {
	// Filter is the local pattern, usually opened with OpenFilter from
	// the file the publisher distributes with the Set. Required.
	Filter *Filter
	// Resolver answers the hash prefixes of keys that pass the filter,
	// usually an *HTTPResolver. Required.
	Resolver Resolver
	// PrefixLen is the length in bytes of the hash prefixes sent, 4 to 8.
	// Zero: 4. Longer prefixes identify the key more closely (less
	// privacy) and make the server return fewer unrelated full hashes.
	PrefixLen int
	// Timeout bounds the time a lookup waits for the server, and each
	// round trip. Zero: 500 ms. Negative: an error.
	Timeout time.Duration
	// Offline is what a lookup answers when the server does not. Zero:
	// FailOpen.
	Offline OfflinePolicy
	// MaxCacheEntries bounds the cache, in prefixes the server answered
	// (each holds the few full hashes returned for it), rounded up to a
	// power of two; the cache takes 8 bytes per entry up front. Zero:
	// 16384. Negative: no cache: every lookup whose keys pass the filter
	// asks.
	MaxCacheEntries int
	// MaxTTL caps the TTLs a server gives. Zero: 1 hour.
	MaxTTL time.Duration

	now func() time.Time // nil: time.Now; the clock of the cache's TTLs
}

// Result is the answer to a lookup: the deciding indicator's Answer
// (ActionNone when nothing matched), and whether it is confirmed.
//
// Unconfirmed is true when the lookup needed the server and did not get a
// valid answer within the Timeout: then the Action is the offline policy's
// (ActionNone for FailOpen, ActionBlock for FailClosed), the other fields
// of Answer are zero, and Err says why (it wraps ErrUnavailable and the
// cause, such as context.DeadlineExceeded or a *StatusError).
type Result struct {
	Answer
	Unconfirmed bool
	Err         error
}

// ErrUnavailable is wrapped by Result.Err when the server gave no valid
// answer.
var ErrUnavailable = errors.New("remote: no answer from the server")

// Stats counts a Client's traffic. The fast paths (keys that fail the
// filter, cache hits) are not counted, to keep them free of shared
// writes.
type Stats struct {
	Requests     uint64 // round trips to the Resolver
	Prefixes     uint64 // hash prefixes sent
	Shared       uint64 // lookups that joined a round trip already in flight
	Failures     uint64 // round trips that failed or returned an invalid answer
	Unconfirmed  uint64 // lookups answered by the offline policy
	CacheEntries int    // prefixes cached now
	// ServerVersion is the data version the server last reported (0 if it
	// does not say). Greater than the Filter's Version: the filter is
	// older than the server's list, and keys added since are not asked
	// about until a newer filter is installed with SetFilter.
	ServerVersion uint64
}

// Client is the client side of the remote tier: it decides lookups with
// its Filter and, for keys that pass it, with the full hashes a Resolver
// returns for their prefixes (see the package documentation). Its methods are safe for
// concurrent use.
type Client struct {
	filter  atomic.Pointer[Filter]
	res     Resolver
	plen    int
	mask    uint64
	timeout time.Duration
	offline OfflinePolicy
	maxTTL  time.Duration
	cache   *cache
	now     func() time.Time // the test clock, or nil
	base    time.Time        // the origin of mono

	mu    sync.Mutex // guards calls
	calls map[string]*call

	requests, prefixes, shared, failures, unconfirmed, serverVersion atomic.Uint64
}

// NewClient returns a Client for cfg.
func NewClient(cfg Config) (*Client, error) {
	switch {
	case cfg.Filter == nil:
		return nil, errors.New("remote: Config.Filter is required")
	case cfg.Resolver == nil:
		return nil, errors.New("remote: Config.Resolver is required")
	case cfg.PrefixLen != 0 && (cfg.PrefixLen < MinPrefixLen || cfg.PrefixLen > MaxPrefixLen):
		return nil, fmt.Errorf("remote: Config.PrefixLen %d: want %d to %d", cfg.PrefixLen, MinPrefixLen, MaxPrefixLen)
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("remote: Config.Timeout %v is negative", cfg.Timeout)
	case cfg.Offline > FailClosed:
		return nil, fmt.Errorf("remote: unknown offline policy %d", cfg.Offline)
	case cfg.MaxTTL < 0:
		return nil, fmt.Errorf("remote: Config.MaxTTL %v is negative", cfg.MaxTTL)
	}
	c := &Client{
		res: cfg.Resolver, plen: cmpOr(cfg.PrefixLen, MinPrefixLen), timeout: cmpOr(cfg.Timeout, 500*time.Millisecond),
		offline: cfg.Offline, maxTTL: cmpOr(cfg.MaxTTL, time.Hour), now: cfg.now,
		calls: map[string]*call{},
	}
	c.mask = ^uint64(0) << (64 - 8*c.plen)
	c.base = c.clock()
	entries := cfg.MaxCacheEntries
	if entries == 0 {
		entries = 1 << 14
	}
	c.cache = newCache(entries)
	c.filter.Store(cfg.Filter)
	return c, nil
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

func (c *Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// Filter returns the Client's current filter.
func (c *Client) Filter() *Filter { return c.filter.Load() }

// SetFilter installs a new filter, such as one built from a newer version
// of the Set, and empties the cache when the feed or version changes.
// Lookups in progress finish with the filter they started with.
func (c *Client) SetFilter(f *Filter) error {
	if f == nil {
		return errors.New("remote: SetFilter(nil)")
	}
	old := c.filter.Swap(f)
	if old.feed != f.feed || old.version != f.version {
		c.cache.purge()
	}
	return nil
}

// Stats returns the Client's counters.
func (c *Client) Stats() Stats {
	return Stats{
		Requests: c.requests.Load(), Prefixes: c.prefixes.Load(), Shared: c.shared.Load(),
		Failures: c.failures.Load(), Unconfirmed: c.unconfirmed.Load(), CacheEntries: c.cache.len(),
		ServerVersion: c.serverVersion.Load(),
	}
}

// mono returns the time elapsed since the Client was made, the clock of
// the cache's expiries: monotonic, so that a step of the wall clock neither
// keeps nor drops entries, and one clock read (time.Now takes two).
func (c *Client) mono() int64 {
	if c.now != nil {
		return int64(c.now().Sub(c.base))
	}
	return int64(time.Since(c.base))
}

// stackKeys is how many candidate keys a lookup holds on its stack; more
// (only when that many keys pass the filter, which takes a listed URL with
// many listed variants, or false positives) go to the heap.
const stackKeys = 8

// query collects the keys of one lookup that pass the filter, with their
// full hashes.
type query struct {
	f    *Filter
	n    int
	keys [stackKeys]key
	more []key
}

type key struct {
	hash [32]byte
	spec uint16
	miss bool // not answered by the cache
}

func (q *query) len() int { return q.n + len(q.more) }

func (q *query) at(i int) *key {
	if i < q.n {
		return &q.keys[i]
	}
	return &q.more[i-q.n]
}

func (q *query) add(c class, body []byte, spec uint16) {
	k := key{hash: fullHash(c, body), spec: spec}
	if q.n < len(q.keys) {
		q.keys[q.n] = k
		q.n++
		return
	}
	q.more = append(q.more, k)
}

// host adds the keys of host h that pass the filter: for every suffix of
// at least two labels its domain key and, below h, its wildcard key; and,
// when x holds the expressions of a URL on h, the expressions of each of
// their hosts. ip says h is an IP literal: it has expressions but no
// domain keys.
func (q *query) host(h []byte, x *canon.Exprs, ip bool) {
	f := q.f
	wantURL := x != nil && f.flags&hasURL != 0
	wantDom := !ip && f.flags&(hasDomain|hasWild) != 0
	if !wantURL && !wantDom {
		return
	}
	// One probe for the whole host (two for a URL): every key below
	// shares these labels.
	base := xxh3.Hash(lastTwo(h))
	wantDom = wantDom && f.has(secGate, filterHash(clsBase, base))
	wantURL = wantURL && f.has(secGate, filterHash(clsURLBase, base))
	if !wantURL && !wantDom {
		return
	}
	labels := 1 + bytes.Count(h, []byte{'.'})
	nd, np := 0, 0 // expression hosts below h: those of 2..nd labels; paths per host
	if wantURL {
		if !ip {
			nd = min(labels-1, 5) // as canon.URL.Exprs
		}
		np = x.Len() / max(nd, 1)
	}
	for i, l := 0, labels; ; l-- {
		s := h[i:]
		exprHost := wantURL && (i == 0 || l <= nd)
		dom := wantDom && l >= 2
		if exprHost || dom {
			hs := xxh3.Hash(s)
			if f.has(secHost, filterHash(clsName, hs)) {
				if dom {
					spec := 256 + uint16(l-1)
					if f.flags&hasDomain != 0 && f.has(secHost, filterHash(clsDomain, hs)) {
						q.add(clsDomain, s, spec)
					}
					if i > 0 && f.flags&hasWild != 0 && f.has(secHost, filterHash(clsWild, hs)) {
						q.add(clsWild, s, spec)
					}
				}
				if exprHost {
					hi := 0
					if i > 0 {
						hi = nd + 1 - l // canon lists the hosts longest first
					}
					for j := hi * np; j < (hi+1)*np; j++ {
						if e := x.At(j); f.has(secHost, textHash(clsURL, e)) {
							q.add(clsURL, e, urlSpec(e))
						}
					}
				}
			}
		}
		if ip || l <= 2 {
			return
		}
		j := bytes.IndexByte(s, '.')
		if j < 0 {
			return
		}
		i += j + 1
	}
}

// addr adds the keys of address a that pass the filter: a masked to each
// prefix length some indicator has.
func (q *query) addr(a netip.Addr) {
	f := q.f
	a = a.Unmap().WithZone("")
	var buf [64]byte
	if a.Is4() {
		b := a.As4()
		x := binary.BigEndian.Uint32(b[:])
		m := f.v4 & (1<<16 - 1)
		if long := f.v4 &^ (1<<16 - 1); long != 0 && f.has(secGate, filterHash(clsIP4Gate, uint64(x>>16))) {
			m |= long
		}
		for m != 0 {
			l := 63 - bits.LeadingZeros64(m)
			m &^= 1 << l
			var mx uint32
			if l > 0 {
				mx = x &^ (1<<(32-l) - 1)
			}
			if f.has(secIP, ip4Hash(mx, l)) {
				q.add(clsIP4, netip.PrefixFrom(a, l).Masked().AppendTo(buf[:0]), uint16(l))
			}
		}
		return
	}
	if !a.Is6() {
		return
	}
	b := a.As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	long := f.v6[2] != 0 || f.v6[1] != 0 || f.v6[0]>>32 != 0
	gated := long && f.has(secGate, filterHash(clsIP6Gate, hi>>32))
	for w := 2; w >= 0; w-- {
		m := f.v6[w]
		if !gated { // only the lengths below 32
			if w > 0 {
				continue
			}
			m &= 1<<32 - 1
		}
		for m != 0 {
			i := 63 - bits.LeadingZeros64(m)
			m &^= 1 << i
			l := 64*w + i
			mh, ml := hi, lo
			switch {
			case l == 0:
				mh, ml = 0, 0
			case l < 64:
				mh, ml = hi&^(1<<(64-l)-1), 0
			case l == 64:
				ml = 0
			case l < 128:
				ml = lo &^ (1<<(128-l) - 1)
			}
			if f.has(secIP, ip6Hash(mh, ml, l)) {
				q.add(clsIP6, netip.PrefixFrom(a, l).Masked().AppendTo(buf[:0]), uint16(l))
			}
		}
	}
}

// LookupURL returns the verdict for a URL, as match.Set.LookupURL decides
// it: its Safe Browsing expressions against URL indicators, its host and
// each parent as a domain, and its host as an address when it is an IP
// literal. A URL that does not parse matches nothing. It does not
// allocate when no key passes the filter.
func (c *Client) LookupURL(ctx context.Context, raw string) Result {
	var stack [512]byte
	buf := stack[:0]
	if len(raw) > len(stack)/4 {
		// As match: escaping can triple a URL and canon stages the
		// unescaped text beside it, so a long URL takes a pooled buffer.
		p := urlBufs.Get().(*[]byte)
		defer func() { urlBufs.Put(p) }()
		if cap(*p) < 4*len(raw)+64 {
			*p = make([]byte, 0, 4*len(raw)+64)
		}
		buf = (*p)[:0]
	}
	u, err := canon.Parse(buf, raw)
	if err != nil {
		return Result{}
	}
	q := query{f: c.filter.Load()}
	x := u.Exprs()
	a := u.Addr()
	q.host(u.Host(), &x, a.IsValid())
	if a.IsValid() {
		q.addr(a)
	}
	return c.resolve(ctx, &q)
}

var urlBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// LookupDomain returns the verdict for a host name, as
// match.Set.LookupDomain decides it: a listed domain matches itself and
// its subdomains, a listed "*.domain" its subdomains. The host is
// canonicalised first; an IP address is looked up as an address. It does
// not allocate when no key passes the filter (and the host is ASCII).
func (c *Client) LookupDomain(ctx context.Context, host string) Result {
	q := query{f: c.filter.Load()}
	var h []byte
	if canon.IsCanonicalHost(host) {
		// Most queries come canonical already: skip the copy. The keys
		// only read h.
		h = unsafe.Slice(unsafe.StringData(host), len(host))
	} else {
		var buf [256]byte // here, so that the common case does not clear it
		var err error
		if h, err = canon.AppendHost(buf[:0], host); err != nil {
			return Result{}
		}
		// A canonical host that starts like an address is looked up as
		// one. canon writes IPv6 in brackets, which match.Set.LookupDomain
		// does not strip (it finds nothing); here they are stripped, as
		// documented for both.
		if len(h) > 0 && ('0' <= h[0] && h[0] <= '9' || h[0] == '[') {
			a := h
			if a[0] == '[' && a[len(a)-1] == ']' {
				a = a[1 : len(a)-1]
			}
			var addr netip.Addr
			var ok bool
			if bytes.IndexByte(a, ':') < 0 {
				// The view does not outlive the call.
				addr, ok = shape.ParseIPv4(unsafe.String(unsafe.SliceData(a), len(a)))
			} else {
				addr, ok = shape.ParseAddr(string(a)) // rare: IPv6 literals
			}
			if ok {
				q.addr(addr)
				return c.resolve(ctx, &q)
			}
		}
	}
	q.host(h, nil, false)
	return c.resolve(ctx, &q)
}

// LookupAddr returns the verdict for an IP address: the most specific
// listed prefix, after any matching allow entry, as match.Set.LookupAddr.
// IPv4-mapped IPv6 is IPv4; zones are ignored. It does not allocate when
// no key passes the filter.
func (c *Client) LookupAddr(ctx context.Context, a netip.Addr) Result {
	q := query{f: c.filter.Load()}
	q.addr(a)
	return c.resolve(ctx, &q)
}

// LookupHash returns the verdict for a file digest given as raw bytes: 16
// bytes are MD5, 20 SHA-1, 32 SHA-256; other lengths match nothing. It
// does not allocate when the key fails the filter.
func (c *Client) LookupHash(ctx context.Context, digest []byte) Result {
	q := query{f: c.filter.Load()}
	var cl class
	var flag uint32
	switch len(digest) {
	case 16:
		cl, flag = clsMD5, hasMD5
	case 20:
		cl, flag = clsSHA1, hasSHA1
	case 32:
		cl, flag = clsSHA256, hasSHA256
	default:
		return Result{}
	}
	if q.f.flags&flag == 0 || !q.f.has(secOther, textHash(cl, digest)) {
		return Result{}
	}
	var buf [64]byte
	q.add(cl, appendHex(buf[:0], digest), 0)
	return c.resolve(ctx, &q)
}

// LookupEmail returns the verdict for an e-mail address, compared in lower
// case with its domain canonicalised, as match.Set.LookupEmail.
func (c *Client) LookupEmail(ctx context.Context, addr string) Result {
	q := query{f: c.filter.Load()}
	var buf [320]byte
	if q.f.flags&hasEmail == 0 || len(addr) > len(buf)-8 {
		return Result{}
	}
	e, reason := shape.AppendEmail(buf[:0], addr)
	if reason != "" || !q.f.has(secOther, textHash(clsEmail, e)) {
		return Result{}
	}
	q.add(clsEmail, e, 0)
	return c.resolve(ctx, &q)
}

// LookupJA3 returns the verdict for a JA3 TLS client fingerprint in hex, as
// match.Set.LookupJA3.
func (c *Client) LookupJA3(ctx context.Context, fingerprint string) Result {
	q := query{f: c.filter.Load()}
	var buf [32]byte
	v, reason := shape.AppendJA3(buf[:0], fingerprint)
	if reason != "" || q.f.flags&hasJA3 == 0 || !q.f.has(secOther, textHash(clsJA3, v)) {
		return Result{}
	}
	q.add(clsJA3, v, 0)
	return c.resolve(ctx, &q)
}

// Lookup returns the verdict for q, whose kind it detects as
// match.Set.Lookup does: 32, 40 or 64 hex digits are a digest, then an IP
// address, a URL, an e-mail address, or else a host name.
func (c *Client) Lookup(ctx context.Context, q string) Result {
	switch len(q) {
	case 32, 40, 64:
		var d [32]byte
		if shape.DecodeHex(d[:len(q)/2], q) {
			return c.LookupHash(ctx, d[:len(q)/2])
		}
	}
	if a, ok := shape.ParseAddr(q); ok {
		return c.LookupAddr(ctx, a)
	}
	if shape.LooksLikeURL(q) {
		return c.LookupURL(ctx, q)
	}
	if strings.IndexByte(q, '@') > 0 {
		return c.LookupEmail(ctx, q)
	}
	return c.LookupDomain(ctx, q)
}

// prefixKey returns the configured prefix of h as a cache key.
func (c *Client) prefixKey(h *[32]byte) uint64 { return binary.BigEndian.Uint64(h[:8]) & c.mask }

// better reports whether answer a of a key with specificity as takes
// precedence over b of bs, by match's rules: allow first, then the more
// specific, the higher severity, block over monitor, the higher
// confidence, the lower ID.
func better(a *Answer, as uint16, b *Answer, bs uint16) bool {
	if aa, ba := a.Action == match.ActionAllow, b.Action == match.ActionAllow; aa != ba {
		return aa
	}
	switch {
	case as != bs:
		return as > bs
	case a.Severity != b.Severity:
		return a.Severity > b.Severity
	case a.Action != b.Action:
		return a.Action > b.Action
	case a.Confidence != b.Confidence:
		return a.Confidence > b.Confidence
	}
	return a.ID < b.ID
}

// resolve decides a lookup from the keys in q: from the cache where it
// can, and from one round trip for the prefixes it cannot.
func (c *Client) resolve(ctx context.Context, q *query) Result {
	n := q.len()
	if n == 0 {
		return Result{}
	}
	now := c.mono()
	var best *Answer
	var bestSpec uint16
	consider := func(a *Answer, spec uint16) {
		if best == nil || better(a, spec, best, bestSpec) {
			best, bestSpec = a, spec
		}
	}
	var missing [stackKeys]uint64
	miss := missing[:0]
	for i := range n {
		k := q.at(i)
		p := c.prefixKey(&k.hash)
		switch a, st := c.cache.lookup(p, &k.hash, now); st {
		case cacheHit:
			consider(a, k.spec)
		case cacheMiss:
			k.miss = true
			miss = append(miss, p)
		}
	}
	if len(miss) > 0 {
		resp, err := c.fetch(ctx, miss)
		if err != nil {
			c.unconfirmed.Add(1)
			r := Result{Unconfirmed: true, Err: fmt.Errorf("%w: %w", ErrUnavailable, err)}
			if c.offline == FailClosed {
				r.Action = match.ActionBlock
			}
			return r
		}
		for i := range n {
			k := q.at(i)
			if !k.miss {
				continue
			}
			for j := range resp.Matches {
				if m := &resp.Matches[j]; m.Hash == k.hash {
					consider(&m.Answer, k.spec)
					break
				}
			}
		}
	}
	if best == nil {
		return Result{}
	}
	return Result{Answer: *best}
}
