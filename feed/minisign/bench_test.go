package minisign_test

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"testing"

	aead "aead.dev/minisign"
	"github.com/sift-intel/sift/feed/minisign"
	"golang.org/x/crypto/blake2b"
)

// benchSize is the message size of the throughput benchmarks: 64 MiB, so
// hashing dominates; 1 MiB in -short mode.
func benchSize() int {
	if testing.Short() {
		return 1 << 20
	}
	return 64 << 20
}

func benchMessage(b *testing.B) []byte {
	b.Helper()
	msg := make([]byte, benchSize())
	_, _ = (&pattern{}).Read(msg)
	return msg
}

// BenchmarkVerify measures Verify throughput: parse, BLAKE2b-512 over the
// message, two Ed25519 verifications. The aead sub-benchmark is the
// baseline in the same run (aead.dev/minisign's streaming Reader).
func BenchmarkVerify(b *testing.B) {
	msg := benchMessage(b)
	pub, priv, opub, _ := oracleKeys(b)
	sig, err := minisign.Sign(priv, bytes.NewReader(msg), "feed=bench version=1", "")
	if err != nil {
		b.Fatal(err)
	}
	keys := []*minisign.PublicKey{pub}
	b.Run("sift", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := minisign.Verify(keys, bytes.NewReader(msg), sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sift, 32 KiB reads", func(b *testing.B) {
		// A reader without WriterTo, as an *os.File: io.Copy's buffer.
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := minisign.Verify(keys, struct{ io.Reader }{bytes.NewReader(msg)}, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("aead", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			r := aead.NewReader(bytes.NewReader(msg))
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
			if !r.Verify(opub, sig) {
				b.Fatal("aead: no")
			}
		}
	})
	b.Run("blake2b-512 only", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			h, _ := blake2b.New512(nil)
			if _, err := io.Copy(h, bytes.NewReader(msg)); err != nil {
				b.Fatal(err)
			}
			h.Sum(nil)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	msg := benchMessage(b)
	_, priv := testKey(b, 0x66)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := minisign.Sign(priv, bytes.NewReader(msg), "feed=bench version=1", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEd25519 isolates the fixed costs: one Ed25519 verification,
// VerifyComment (one verification over signature || comment), Verify of
// an empty message (parse + two verifications), and parsing.
func BenchmarkEd25519(b *testing.B) {
	pub, priv := testKey(b, 0x77)
	sig, err := minisign.Sign(priv, bytes.NewReader(nil), "feed=bench version=1", "")
	if err != nil {
		b.Fatal(err)
	}
	keys := []*minisign.PublicKey{pub}
	edPub := pub.Ed25519()
	digest := blake2b.Sum512(nil)
	s, err := minisign.ParseSignature(sig)
	if err != nil {
		b.Fatal(err)
	}
	edSig := ed25519.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x77}, 32)), digest[:])
	pubText, _ := pub.MarshalText()

	b.Run("ed25519.Verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(edPub, digest[:], edSig) {
				b.Fatal("no")
			}
		}
	})
	b.Run("VerifyComment", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.VerifyComment(keys); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify empty message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := minisign.Verify(keys, bytes.NewReader(nil), sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseSignature", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := minisign.ParseSignature(sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParsePublicKey", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := minisign.ParsePublicKey(pubText); err != nil {
				b.Fatal(err)
			}
		}
	})
}
