package feed

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/sift-intel/sift/feed/minisign"
	"github.com/sift-intel/sift/match"
)

// A delta takes a feed from one version to the next: the indicators
// removed and added, and the SHA-256 of both snapshot files. Applied to the
// snapshot it starts from, it must rebuild, byte for byte, the snapshot the
// publisher built (match.Builder is deterministic), or it is refused and
// the full snapshot is fetched instead.
//
// A delta is JSON lines: a header object, then one object per change:
//
//	{"sift_delta":1,"feed":"f","from":7,"to":8,"from_sha256":"…","to_sha256":"…","issued":1764374400,"expires":0}
//	{"remove":{"Kind":"domain","Value":"old.example",…}}
//	{"add":{"Kind":"ip","Value":"192.0.2.1",…}}
//
// Its detached signature's trusted comment is "sift feed=<id> version=<to>
// from=<from>".
type Delta struct {
	FeedID         string
	From, To       uint64
	FromSHA, ToSHA [32]byte
	Issued         time.Time
	Expires        time.Time
	Removed, Added []match.Indicator
}

// ErrDelta is wrapped by the errors of deltas that cannot be applied: a
// different base, a result whose hash differs, a malformed file.
var ErrDelta = errors.New("delta refused")

type deltaHeader struct {
	Format  int    `json:"sift_delta"`
	Feed    string `json:"feed"`
	From    uint64 `json:"from"`
	To      uint64 `json:"to"`
	FromSHA string `json:"from_sha256"`
	ToSHA   string `json:"to_sha256"`
	Issued  int64  `json:"issued"`
	Expires int64  `json:"expires"`
}

type deltaOp struct {
	Remove *match.Indicator `json:"remove,omitempty"`
	Add    *match.Indicator `json:"add,omitempty"`
}

// indicatorKey identifies an indicator with all its metadata.
func indicatorKey(ind match.Indicator) string {
	b, _ := json.Marshal(ind)
	return string(b)
}

// Diff returns the delta from the snapshot old to the snapshot new, both
// given as their bytes.
func Diff(old, new []byte) (*Delta, error) {
	o, err := Open(old)
	if err != nil {
		return nil, fmt.Errorf("old snapshot: %w", err)
	}
	n, err := Open(new)
	if err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	if o.FeedID != n.FeedID || n.Version <= o.Version {
		return nil, fmt.Errorf("%w: from feed %s version %d to feed %s version %d", ErrDelta, o.FeedID, o.Version, n.FeedID, n.Version)
	}
	d := &Delta{FeedID: n.FeedID, From: o.Version, To: n.Version, FromSHA: sha256.Sum256(old), ToSHA: sha256.Sum256(new),
		Issued: n.Issued, Expires: n.Expires}
	count := map[string]int{}
	for ind := range o.Set.All() {
		count[indicatorKey(ind)]++
	}
	for ind := range n.Set.All() {
		k := indicatorKey(ind)
		if count[k] > 0 {
			count[k]--
			continue
		}
		d.Added = append(d.Added, ind)
	}
	for ind := range o.Set.All() {
		k := indicatorKey(ind)
		if count[k] > 0 {
			count[k]--
			d.Removed = append(d.Removed, ind)
		}
	}
	return d, nil
}

// MarshalBinary returns the delta file.
func (d *Delta) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	h := deltaHeader{Format: 1, Feed: d.FeedID, From: d.From, To: d.To,
		FromSHA: hex.EncodeToString(d.FromSHA[:]), ToSHA: hex.EncodeToString(d.ToSHA[:]), Issued: d.Issued.Unix()}
	if !d.Expires.IsZero() {
		h.Expires = d.Expires.Unix()
	}
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	for i := range d.Removed {
		if err := enc.Encode(deltaOp{Remove: &d.Removed[i]}); err != nil {
			return nil, err
		}
	}
	for i := range d.Added {
		if err := enc.Encode(deltaOp{Add: &d.Added[i]}); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// ParseDelta reads a delta file. It checks the structure, not the
// signature: see VerifyDelta.
func ParseDelta(data []byte) (*Delta, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, MaxLineLength)
	if !sc.Scan() {
		return nil, fmt.Errorf("%w: empty delta", ErrDelta)
	}
	var h deltaHeader
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Format != 1 {
		return nil, fmt.Errorf("%w: line 1: not a sift delta header", ErrDelta)
	}
	d := &Delta{FeedID: h.Feed, From: h.From, To: h.To, Issued: time.Unix(h.Issued, 0).UTC()}
	if h.Expires != 0 {
		d.Expires = time.Unix(h.Expires, 0).UTC()
	}
	for _, x := range []struct {
		s   string
		dst *[32]byte
	}{{h.FromSHA, &d.FromSHA}, {h.ToSHA, &d.ToSHA}} {
		if b, err := hex.DecodeString(x.s); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%w: line 1: bad sha256 %q", ErrDelta, x.s)
		} else {
			copy(x.dst[:], b)
		}
	}
	if d.To <= d.From || !feedIDPattern.MatchString(d.FeedID) {
		return nil, fmt.Errorf("%w: line 1: feed %q from %d to %d", ErrDelta, d.FeedID, d.From, d.To)
	}
	for line := 2; sc.Scan(); line++ {
		var op deltaOp
		if err := json.Unmarshal(sc.Bytes(), &op); err != nil || (op.Add == nil) == (op.Remove == nil) {
			return nil, fmt.Errorf("%w: line %d: not an add or a remove", ErrDelta, line)
		}
		if op.Add != nil {
			d.Added = append(d.Added, *op.Add)
		} else {
			d.Removed = append(d.Removed, *op.Remove)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDelta, err)
	}
	return d, nil
}

// deltaComment is the trusted comment of a delta's signature.
func deltaComment(d *Delta) string {
	return "sift feed=" + d.FeedID + " version=" + strconv.FormatUint(d.To, 10) + " from=" + strconv.FormatUint(d.From, 10)
}

// SignDelta returns the detached signature of a delta file.
func SignDelta(priv *minisign.PrivateKey, delta []byte) ([]byte, error) {
	d, err := ParseDelta(delta)
	if err != nil {
		return nil, err
	}
	return minisign.Sign(priv, bytes.NewReader(delta), deltaComment(d), "signature from sift secret key")
}

// VerifyDelta checks a delta file against its signature and the pinned
// keys, then parses it and checks that the signed feed and versions are
// the file's.
func VerifyDelta(keys []*minisign.PublicKey, delta, sig []byte) (*Delta, error) {
	comment, _, err := minisign.Verify(keys, bytes.NewReader(delta), sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	d, err := ParseDelta(delta)
	if err != nil {
		return nil, err
	}
	if comment != deltaComment(d) {
		return nil, fmt.Errorf("%w: trusted comment %q does not match the delta's feed and versions", ErrSignature, comment)
	}
	return d, nil
}

// Apply rebuilds the snapshot d leads to from base, the bytes of the
// snapshot it starts from, and checks the result's hash.
func (d *Delta) Apply(base []byte) ([]byte, error) {
	if sha256.Sum256(base) != d.FromSHA {
		return nil, fmt.Errorf("%w: the base is not the snapshot the delta starts from", ErrDelta)
	}
	s, err := Open(base)
	if err != nil {
		return nil, err
	}
	if s.FeedID != d.FeedID || s.Version != d.From {
		return nil, fmt.Errorf("%w: the base is feed %s version %d, the delta starts at %s version %d", ErrDelta, s.FeedID, s.Version, d.FeedID, d.From)
	}
	removed := map[string]int{}
	for _, ind := range d.Removed {
		removed[indicatorKey(ind)]++
	}
	b := match.Builder{AsOf: d.Issued}
	for ind := range s.Set.All() {
		if k := indicatorKey(ind); removed[k] > 0 {
			removed[k]--
			continue
		}
		if err := b.Add(ind); err != nil {
			return nil, fmt.Errorf("%w: re-adding %v: %v", ErrDelta, ind, err)
		}
	}
	for k, n := range removed {
		if n > 0 {
			return nil, fmt.Errorf("%w: removes %s, which the base does not hold", ErrDelta, k)
		}
	}
	for _, ind := range d.Added {
		if err := b.Add(ind); err != nil {
			return nil, fmt.Errorf("%w: adding %v: %v", ErrDelta, ind, err)
		}
	}
	set, err := b.Build()
	if err != nil {
		return nil, err
	}
	out, err := Encode(Header{FeedID: d.FeedID, Version: d.To, Issued: d.Issued, Expires: d.Expires}, set)
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(out) != d.ToSHA {
		return nil, fmt.Errorf("%w: the rebuilt snapshot's hash differs from the publisher's", ErrDelta)
	}
	return slices.Clip(out), nil
}
