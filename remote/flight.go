package remote

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// call is one round trip to the Resolver, shared by every lookup that
// needs the same prefixes while it is in flight (a singleflight).
type call struct {
	done  chan struct{} // closed when resp and err are set
	start time.Time     // wall clock: after start + 2×timeout, a new lookup starts a new call
	resp  *Response
	err   error
}

// fetch returns the server's answer for the prefixes (cache keys), from a
// round trip it starts or one already in flight for the same set of
// prefixes. It waits at most the Client's timeout, and less if ctx ends
// first. It does not keep pfx.
func (c *Client) fetch(ctx context.Context, pfx []uint64) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ps := slices.Clone(pfx)
	slices.Sort(ps)
	ps = slices.Compact(ps)
	kb := make([]byte, 0, len(ps)*c.plen)
	for _, p := range ps {
		kb = binary.BigEndian.AppendUint64(kb, p)[:len(kb)+c.plen]
	}
	k := string(kb)

	now := time.Now()
	c.mu.Lock()
	cl := c.calls[k]
	if cl == nil || now.Sub(cl.start) > 2*c.timeout {
		// A call older than that has a Resolver that ignores its
		// context: do not queue behind it.
		cl = &call{done: make(chan struct{}), start: now}
		c.calls[k] = cl
		go c.roundTrip(context.WithoutCancel(ctx), k, cl, ps)
	} else {
		c.shared.Add(1)
	}
	c.mu.Unlock()

	t := time.NewTimer(c.timeout)
	defer t.Stop()
	select {
	case <-cl.done:
		return cl.resp, cl.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("no answer within %v: %w", c.timeout, context.DeadlineExceeded)
	}
}

// roundTrip asks the Resolver about the sorted prefixes ps, checks the
// answer, caches it, and completes cl. Its context carries the values of
// the lookup that started it, not its cancellation: the lookups that
// share it each wait with their own.
func (c *Client) roundTrip(parent context.Context, k string, cl *call, ps []uint64) {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	prefixes := make([][]byte, len(ps))
	for i, p := range ps {
		prefixes[i] = binary.BigEndian.AppendUint64(nil, p)[:c.plen]
	}
	c.requests.Add(1)
	c.prefixes.Add(uint64(len(ps)))
	resp, err := c.callResolver(ctx, prefixes)
	if err == nil {
		err = c.check(resp, ps)
	}
	if err == nil {
		c.store(resp, ps)
		if resp.Version != 0 {
			c.serverVersion.Store(resp.Version)
		}
	} else {
		resp = nil
		c.failures.Add(1)
	}
	cl.resp, cl.err = resp, err
	c.mu.Lock()
	if c.calls[k] == cl {
		delete(c.calls, k)
	}
	c.mu.Unlock()
	close(cl.done)
}

// callResolver calls the Resolver, turning a panic into an error: it runs
// on a goroutine the host did not start.
func (c *Client) callResolver(ctx context.Context, prefixes [][]byte) (resp *Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, fmt.Errorf("remote: the Resolver panicked: %v", r)
		}
	}()
	resp, err = c.res.Resolve(ctx, prefixes)
	if err == nil && resp == nil {
		err = malformed("the Resolver returned neither a response nor an error")
	}
	return resp, err
}

// check validates a response to a request for the sorted prefixes ps:
// every full hash has one of them and appears once, every answer is
// valid, the TTLs are not negative.
func (c *Client) check(resp *Response, ps []uint64) error {
	if resp.PositiveTTL < 0 || resp.NegativeTTL < 0 {
		return malformed("negative TTL")
	}
	for i := range resp.Matches {
		m := &resp.Matches[i]
		if _, ok := slices.BinarySearch(ps, c.prefixKey(&m.Hash)); !ok {
			return malformed("match %d has a hash the client did not ask about", i)
		}
		if err := checkAnswer(&m.Answer); err != nil {
			return fmt.Errorf("match %d: %w", i, err)
		}
	}
	if len(resp.Matches) > 1 {
		hs := make([][32]byte, len(resp.Matches))
		for i := range resp.Matches {
			hs[i] = resp.Matches[i].Hash
		}
		slices.SortFunc(hs, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
		for i := 1; i < len(hs); i++ {
			if hs[i] == hs[i-1] {
				return malformed("a full hash appears twice")
			}
		}
	}
	return nil
}

// store caches a checked response: for each prefix asked, the matches
// with that prefix and the negative expiry.
func (c *Client) store(resp *Response, ps []uint64) {
	now := c.mono()
	pos := now + int64(min(resp.PositiveTTL, c.maxTTL))
	neg := now + int64(min(resp.NegativeTTL, c.maxTTL))
	for _, p := range ps {
		var ms []cmatch
		for i := range resp.Matches {
			m := &resp.Matches[i]
			if c.prefixKey(&m.Hash) == p {
				ms = append(ms, cmatch{hash: m.Hash, pos: pos, ans: m.Answer})
			}
		}
		c.cache.store(p, ms, neg, now)
	}
}
