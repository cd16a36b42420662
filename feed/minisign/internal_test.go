package minisign

import (
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPickParams(t *testing.T) {
	cases := []struct {
		name     string
		ops, mem uint64
		logN     uint
		r, p     uint32
	}{
		{"minisign default (SENSITIVE)", 33554432, 1073741824, 20, 8, 1},
		{"minisign halved once on low memory", 16777216, 536870912, 19, 8, 1},
		{"minisign halved to MIN memory", 524288, 16777216, 14, 8, 1},
		{"INTERACTIVE", 524288, 16777216, 14, 8, 1},
		{"ops below memory: p = 1, N from ops", 32768, 1 << 30, 10, 8, 1},
		{"ops above memory: p from ops", 1 << 20, 1 << 24, 14, 8, 2},
		{"zero: ops clamped to 32768, N = 2", 0, 0, 1, 8, 512},
		{"huge", 1 << 63, 1 << 63, 53, 8, 32},
		{"rp capped at 0x3fffffff", ^uint64(0), 0, 1, 8, 0x3fffffff / 8},
		{"same stream as INTERACTIVE from other limits", 524288, 2 * 16777216, 14, 8, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logN, r, p := pickParams(tc.ops, tc.mem)
			assert.Equal(t, []any{tc.logN, tc.r, tc.p}, []any{logN, r, p})
		})
	}
}

// TestPickParamsWriteRange checks, over the limits MarshalEncrypted accepts,
// that p ≥ 1 (scrypt needs it) and that the memory scrypt takes, 128·r·N,
// stays within MemLimit, as libsodium intends.
func TestPickParamsWriteRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ops, mems []uint64
	for e := 15; e <= 25; e++ {
		ops = append(ops, 1<<e-1, 1<<e, 1<<e+1)
	}
	for e := 24; e <= 30; e++ {
		mems = append(mems, 1<<e-1, 1<<e, 1<<e+1)
	}
	for range 300 {
		ops = append(ops, scryptOpsMin+rng.Uint64N(ScryptSensitive.OpsLimit-scryptOpsMin+1))
		mems = append(mems, scryptMemMin+rng.Uint64N(ScryptSensitive.MemLimit-scryptMemMin+1))
	}
	for _, o := range ops {
		for _, m := range mems {
			if o < scryptOpsMin || o > ScryptSensitive.OpsLimit || m < scryptMemMin || m > ScryptSensitive.MemLimit {
				continue
			}
			logN, r, p := pickParams(o, m)
			if p < 1 {
				t.Fatalf("ops %d mem %d: p = 0", o, m)
			}
			if hi, lo := bits.Mul64(128*uint64(r), 1<<logN); hi != 0 || lo > m {
				t.Fatalf("ops %d mem %d: N = 2^%d takes more than memlimit", o, m, logN)
			}
		}
	}
}

func TestScryptReadBound(t *testing.T) {
	// The most memory a key file within the read limits can demand:
	// 128·r·(N + p) bytes, about 1 GiB.
	worst := uint64(0)
	for _, o := range []uint64{0, 1 << 15, 1 << 20, 1 << 24, readOpsLimit} {
		for _, m := range []uint64{0, 1 << 10, 1 << 20, 1 << 24, 1 << 28, readMemLimit} {
			logN, r, p := pickParams(o, m)
			worst = max(worst, 128*uint64(r)*(uint64(1)<<logN+uint64(p)))
		}
	}
	assert.LessOrEqual(t, worst, uint64(1<<30+1<<20))
}

func TestCurveConstants(t *testing.T) {
	// d = -121665/121666 mod p, known in hex (RFC 8032 section 5.1).
	assert.Equal(t, "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3", curveD.Text(16))
	assert.Equal(t, 255, fieldP.BitLen())
}
