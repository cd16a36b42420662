package minisign_test

// Cross-checks against aead.dev/minisign, the test oracle (a test-only
// dependency: it is imported from _test.go files only).

import (
	"bytes"
	"io"
	"strings"
	"testing"

	aead "aead.dev/minisign"
	"github.com/sift-intel/sift/feed/minisign"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oracleKeys returns the same key pair in both packages.
func oracleKeys(t testing.TB) (*minisign.PublicKey, *minisign.PrivateKey, aead.PublicKey, aead.PrivateKey) {
	t.Helper()
	pub, priv := testKey(t, 0x55)
	var opub aead.PublicKey
	pubText, err := pub.MarshalText()
	require.NoError(t, err)
	require.NoError(t, opub.UnmarshalText(pubText))
	var opriv aead.PrivateKey
	privText, err := priv.MarshalUnencrypted()
	require.NoError(t, err)
	require.NoError(t, opriv.UnmarshalText(privText))
	require.Equal(t, uint64(pub.KeyID()), opub.ID())
	require.Equal(t, uint64(priv.KeyID()), opriv.ID())
	return pub, priv, opub, opriv
}

func TestOracleSignatures(t *testing.T) {
	pub, priv, opub, opriv := oracleKeys(t)
	keys := []*minisign.PublicKey{pub}
	msg := []byte("checked against aead.dev/minisign\n")

	t.Run("signed here, verified by aead", func(t *testing.T) {
		sig := sign(t, priv, msg, "feed=o version=1", "")
		assert.True(t, aead.Verify(opub, msg, sig))
		r := aead.NewReader(bytes.NewReader(msg))
		_, err := io.Copy(io.Discard, r)
		require.NoError(t, err)
		assert.True(t, r.Verify(opub, sig))
		assert.False(t, aead.Verify(opub, append(bytes.Clone(msg), '!'), sig))

		var s aead.Signature
		require.NoError(t, s.UnmarshalText(sig))
		assert.Equal(t, aead.HashEdDSA, s.Algorithm)
		assert.Equal(t, "feed=o version=1", s.TrustedComment)
	})
	t.Run("signed by aead (prehashed), verified here", func(t *testing.T) {
		r := aead.NewReader(bytes.NewReader(msg))
		_, err := io.Copy(io.Discard, r)
		require.NoError(t, err)
		sig := r.SignWithComments(opriv, "feed=o version=2", "by aead")
		comment, key, err := minisign.Verify(keys, bytes.NewReader(msg), sig)
		require.NoError(t, err)
		assert.Equal(t, "feed=o version=2", comment)
		assert.Same(t, pub, key)
		// aead writes the same bytes, as Ed25519 is deterministic.
		assert.Equal(t, string(sig), string(sign(t, priv, msg, "feed=o version=2", "by aead")))
	})
	t.Run("legacy signed by aead: aead accepts it, this package refuses it", func(t *testing.T) {
		sig := aead.SignWithComments(opriv, msg, "feed=o version=3", "legacy")
		assert.True(t, aead.Verify(opub, msg, sig))
		_, _, err := minisign.Verify(keys, bytes.NewReader(msg), sig)
		assert.ErrorIs(t, err, minisign.ErrLegacy)
	})
	t.Run("fixtures written by minisign parse alike", func(t *testing.T) {
		for _, name := range []string{"message.txt.minisig", "message.txt.default.minisig", "message.txt.encrypted.minisig"} {
			data := readFile(t, name)
			s, err := minisign.ParseSignature(data)
			require.NoError(t, err)
			var o aead.Signature
			require.NoError(t, o.UnmarshalText(data))
			assert.Equal(t, uint64(s.KeyID()), o.KeyID, name)
			assert.Equal(t, s.TrustedComment(), o.TrustedComment, name)
			assert.Equal(t, s.UntrustedComment(), o.UntrustedComment, name)
		}
	})
}

func TestOracleKeys(t *testing.T) {
	pub, priv, opub, _ := oracleKeys(t)

	t.Run("public key text", func(t *testing.T) {
		assert.Equal(t, opub.String(), pub.String())
		// aead writes no final newline (and its own comment): this package
		// wants one, as minisign writes it.
		text, err := opub.MarshalText()
		require.NoError(t, err)
		_, err = minisign.ParsePublicKey(text)
		assert.ErrorIs(t, err, minisign.ErrFormat)
		got, err := minisign.ParsePublicKey(append(text, '\n'))
		require.NoError(t, err)
		assert.True(t, got.Equal(pub))
	})
	t.Run("encrypted here, decrypted by aead", func(t *testing.T) {
		for _, p := range []minisign.ScryptParams{
			minisign.ScryptInteractive,
			{OpsLimit: 1 << 20, MemLimit: 1 << 24},
			{OpsLimit: 2621441, MemLimit: 16777217},
		} {
			text, err := priv.MarshalEncrypted([]byte("pw"), p)
			require.NoError(t, err)
			assert.True(t, aead.IsEncrypted(text))
			okey, err := aead.DecryptKey("pw", text)
			require.NoError(t, err, "%+v", p)
			assert.Equal(t, uint64(priv.KeyID()), okey.ID())
			assert.True(t, okey.Public().(aead.PublicKey).Equal(opub))
		}
	})
	t.Run("unencrypted key from aead", func(t *testing.T) {
		var opriv aead.PrivateKey
		text, err := priv.MarshalUnencrypted()
		require.NoError(t, err)
		require.NoError(t, opriv.UnmarshalText(text))
		otext, err := opriv.MarshalText()
		require.NoError(t, err)
		// aead writes no final newline either, and a zero checksum.
		require.False(t, strings.HasSuffix(string(otext), "\n"))
		got, err := minisign.ParsePrivateKey(append(otext, '\n'), nil)
		require.NoError(t, err)
		assert.True(t, got.Public().Equal(pub))
	})
}
