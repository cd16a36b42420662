package minisign

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	aead "aead.dev/minisign"
	"github.com/stretchr/testify/require"
)

// Fuzz targets. Each checks that junk gives a documented error and never a
// panic, and that accepted input agrees with aead.dev/minisign, the test
// oracle: this package may refuse what aead accepts (it is stricter about
// grammar and refuses legacy signatures), never the other way round, and
// the two agree on every field and every cryptographic verdict.

func fuzzFile(f *testing.F, name string) []byte {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(f, err)
	return b
}

// fuzzKeys returns two pinned keys: the fixture key written by minisign
// and a key made here, with its private key.
func fuzzKeys(f *testing.F) ([]*PublicKey, *PrivateKey) {
	f.Helper()
	mini, err := ParsePublicKey(fuzzFile(f, "minisign.pub"))
	require.NoError(f, err)
	pub, priv, err := GenerateKey(strings.NewReader("fuzzkey." + strings.Repeat("s", 32)))
	require.NoError(f, err)
	return []*PublicKey{mini, pub}, priv
}

func isKnown(err error) bool {
	var unknown *UnknownKeyError
	return errors.Is(err, ErrFormat) || errors.Is(err, ErrLegacy) || errors.Is(err, ErrSignature) ||
		errors.Is(err, ErrTrustedComment) || errors.As(err, &unknown)
}

func signatureSeeds(f *testing.F, priv *PrivateKey) [][]byte {
	f.Helper()
	seeds := [][]byte{
		fuzzFile(f, "message.txt.minisig"),
		fuzzFile(f, "message.txt.legacy.minisig"),
		fuzzFile(f, "message.txt.default.minisig"),
		fuzzFile(f, "message.txt.encrypted.minisig"),
	}
	for _, c := range []struct{ trusted, untrusted string }{
		{"feed=fuzz version=1", ""},
		{"", "u"},
		{strings.Repeat("t", MaxTrustedComment), strings.Repeat("u", MaxUntrustedComment)},
	} {
		sig, err := Sign(priv, strings.NewReader("fuzz message\n"), c.trusted, c.untrusted)
		require.NoError(f, err)
		seeds = append(seeds, sig)
	}
	return seeds
}

func FuzzParseSignature(f *testing.F) {
	_, priv := fuzzKeys(f)
	for _, s := range signatureSeeds(f, priv) {
		f.Add(s)
		f.Add(bytes.ReplaceAll(s, []byte("\n"), []byte("\r\n")))
		f.Add(s[:len(s)-1])
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSignature(data)
		var oracle aead.Signature
		oracleErr := oracle.UnmarshalText(data)
		if err != nil {
			require.True(t, errors.Is(err, ErrFormat) || errors.Is(err, ErrLegacy), "%v", err)
			require.True(t, strings.HasPrefix(err.Error(), "minisign: "), err.Error())
			if errors.Is(err, ErrLegacy) {
				require.NoError(t, oracleErr, "a legacy signature aead cannot parse")
				require.Equal(t, aead.EdDSA, oracle.Algorithm)
			}
			return
		}
		text, err := s.MarshalText()
		require.NoError(t, err)
		require.Equal(t, data, text, "accepted input is canonical")

		require.NoError(t, oracleErr, "accepted here, refused by aead")
		require.Equal(t, aead.HashEdDSA, oracle.Algorithm)
		require.Equal(t, uint64(s.KeyID()), oracle.KeyID)
		require.Equal(t, s.TrustedComment(), oracle.TrustedComment)
		require.Equal(t, s.UntrustedComment(), oracle.UntrustedComment)
		require.Equal(t, s.sig, oracle.Signature)
		require.Equal(t, s.global, oracle.CommentSignature)
	})
}

func FuzzParsePublicKey(f *testing.F) {
	keys, _ := fuzzKeys(f)
	f.Add(fuzzFile(f, "minisign.pub"))
	f.Add(fuzzFile(f, "encrypted.pub"))
	f.Add(fuzzFile(f, "short-keyid.pub"))
	for _, k := range keys {
		text, err := k.MarshalText()
		require.NoError(f, err)
		f.Add(text)
		f.Add([]byte(k.String()))
	}
	f.Add([]byte("untrusted comment: \nRWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePublicKey(data)
		b64key, b64err := ParsePublicKeyBase64(string(data))
		if b64err != nil {
			require.ErrorIs(t, b64err, ErrFormat)
		} else {
			require.Equal(t, string(data), b64key.String())
		}
		if err != nil {
			require.ErrorIs(t, err, ErrFormat)
			return
		}
		var oracle aead.PublicKey
		require.NoError(t, oracle.UnmarshalText(data), "accepted here, refused by aead")
		require.Equal(t, uint64(k.KeyID()), oracle.ID())
		require.Equal(t, oracle.String(), k.String())
		require.Equal(t, string(bytes.SplitAfter(data, []byte("\n"))[1]), k.String()+"\n")

		again, err := ParsePublicKeyBase64(k.String())
		require.NoError(t, err)
		require.True(t, again.Equal(k))
		text, err := k.MarshalText()
		require.NoError(t, err)
		again, err = ParsePublicKey(text)
		require.NoError(t, err)
		require.True(t, again.Equal(k))
	})
}

// lowScryptLimits bounds scrypt while fuzzing, so an input costs
// milliseconds, not a gigabyte.
func lowScryptLimits(f *testing.F) {
	ops, mem := readOpsLimit, readMemLimit
	readOpsLimit, readMemLimit = 65536, 1<<24
	f.Cleanup(func() { readOpsLimit, readMemLimit = ops, mem })
}

func FuzzParsePrivateKey(f *testing.F) {
	lowScryptLimits(f)
	_, priv := fuzzKeys(f)
	plain, err := priv.MarshalUnencrypted()
	require.NoError(f, err)
	cheap := ScryptParams{OpsLimit: scryptOpsMin, MemLimit: scryptMemMin} // N = 2^10: 1 MiB
	enc, err := priv.MarshalEncrypted([]byte("pw"), cheap)
	require.NoError(f, err)
	f.Add(plain, []byte(nil))
	f.Add(fuzzFile(f, "minisign.key"), []byte(nil))
	f.Add(enc, []byte("pw"))
	f.Add(enc, []byte("wrong"))
	f.Add(enc, []byte(nil))
	f.Add(fuzzFile(f, "encrypted.key"), []byte("sift-test-password")) // over the lowered limits
	f.Fuzz(func(t *testing.T, data, password []byte) {
		k, err := ParsePrivateKey(data, password)
		if err != nil {
			require.True(t, errors.Is(err, ErrFormat) || errors.Is(err, ErrEncrypted) || errors.Is(err, ErrPassword), "%v", err)
			return
		}
		text, err := k.MarshalUnencrypted()
		require.NoError(t, err)
		again, err := ParsePrivateKey(text, nil)
		require.NoError(t, err)
		require.Equal(t, k.KeyID(), again.KeyID())
		require.True(t, again.Public().Equal(k.Public()))
		// The key signs what its public key verifies.
		sig := ed25519.Sign(k.key, data)
		require.True(t, ed25519.Verify(k.Public().key, data, sig))
	})
}

func FuzzVerify(f *testing.F) {
	keys, priv := fuzzKeys(f)
	msg := fuzzFile(f, "message.txt")
	for _, s := range signatureSeeds(f, priv) {
		f.Add(s, msg)
		f.Add(s, []byte("fuzz message\n"))
	}
	oracleKeys := make([]aead.PublicKey, len(keys))
	for i, k := range keys {
		require.NoError(f, oracleKeys[i].UnmarshalText([]byte(k.String())))
	}
	f.Fuzz(func(t *testing.T, sig, msg []byte) {
		comment, key, err := Verify(keys, bytes.NewReader(msg), sig)
		oracleOK := false
		for _, k := range oracleKeys {
			oracleOK = oracleOK || aead.Verify(k, msg, sig)
		}
		switch {
		case err == nil:
			require.True(t, oracleOK, "verified here, not by aead")
			require.NotNil(t, key)
			var s aead.Signature
			require.NoError(t, s.UnmarshalText(sig))
			require.Equal(t, s.TrustedComment, comment)
		case errors.Is(err, ErrFormat), errors.Is(err, ErrLegacy):
			// Stricter grammar and policy than aead: no constraint.
		default:
			require.True(t, isKnown(err), "%v", err)
			require.False(t, oracleOK, "aead verifies what failed here with %v", err)
		}
	})
}
