package remote

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sift-intel/sift/canon"
	"github.com/sift-intel/sift/match"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomName returns a host of random letters, so that it is under no
// listed name.
func randomName(r *rand.Rand, labels int) string {
	parts := make([]string, labels)
	for i := range parts {
		b := make([]byte, 3+r.IntN(8))
		for j := range b {
			b[j] = 'a' + byte(r.IntN(26))
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ".")
}

// TestWhatTheServerSees captures every request body and checks that it
// holds only hash prefixes of the configured length: never a queried
// value, never a full hash; and that benign queries send nothing.
func TestWhatTheServerSees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var inds []match.Indicator
	var listed []string
	n := 1000
	if testing.Short() {
		n = 200
	}
	for range n {
		name := randomName(r, 2+r.IntN(2))
		inds = append(inds, match.Indicator{Kind: match.KindDomain, Value: name})
		listed = append(listed, name, "http://"+name+"/x", "sub."+name)
		u := "http://" + randomName(r, 2) + "/" + randomName(r, 1) + ".php?id=1"
		inds = append(inds, match.Indicator{Kind: match.KindURL, Value: u})
		listed = append(listed, u)
	}
	for i := range 200 {
		inds = append(inds, match.Indicator{Kind: match.KindIP, Value: fmt.Sprintf("192.0.2.%d", i)})
		listed = append(listed, fmt.Sprintf("192.0.2.%d", i))
	}
	set := buildSet(t, inds...)
	var allHashes []string // every full hash the server holds, in hex
	for _, p := range []int{4, 6, 8} {
		t.Run(fmt.Sprint("prefix=", p), func(t *testing.T) {
			f := newFixture(t, set, func(c *Config) { c.PrefixLen = p })
			if allHashes == nil {
				for _, h := range f.idx.hashes {
					allHashes = append(allHashes, hex.EncodeToString(h[:]))
				}
			}
			ctx := context.Background()

			// Benign queries: random names, URLs and addresses.
			var benign []string
			for range 3 * n {
				h := randomName(r, 2+r.IntN(3))
				benign = append(benign, h, "https://"+h+"/"+randomName(r, 1)+"?q=1",
					fmt.Sprintf("198.51.100.%d", r.IntN(256)))
			}
			for _, q := range benign {
				res := f.client.Lookup(ctx, q)
				require.False(t, res.Matched(), q)
			}
			sent := f.rec.requests.Load()
			t.Logf("%d benign queries: %d requests", len(benign), sent)
			assert.LessOrEqual(t, float64(sent), 0.005*float64(len(benign)), "benign queries must not leave the host")

			// Listed queries: they do send.
			for _, q := range listed {
				require.True(t, f.client.Lookup(ctx, q).Matched(), q)
			}
			bodies := f.rec.all()
			require.Greater(t, len(bodies), int(sent))

			for _, body := range bodies {
				// Only the three fields, prefixes only of the set length.
				var req map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(body, &req))
				for k := range req {
					require.Contains(t, []string{"feed", "version", "prefixes"}, k)
				}
				var prefixes []string
				require.NoError(t, json.Unmarshal(req["prefixes"], &prefixes))
				require.NotEmpty(t, prefixes)
				for _, px := range prefixes {
					require.Len(t, px, 2*p)
					_, err := hex.DecodeString(px)
					require.NoError(t, err)
				}
			}
			// No queried value, in any form the client handles.
			all := strings.ToLower(string(bytes.Join(bodies, []byte{'\n'})))
			for _, q := range append(append([]string(nil), benign...), listed...) {
				if strings.Contains(all, strings.ToLower(q)) {
					t.Fatalf("%q was sent", q)
				}
				if u, err := canon.Parse(nil, q); err == nil && strings.Contains(all, string(u.Host())) {
					t.Fatalf("the host of %q was sent", q)
				}
			}
			// No full hash: nothing in the bodies is longer than a prefix.
			for _, h := range allHashes {
				if strings.Contains(all, h[:2*p+2]) {
					t.Fatalf("more than a prefix of a full hash was sent")
				}
			}
		})
	}
}
