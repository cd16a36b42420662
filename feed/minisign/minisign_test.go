package minisign_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/sift-intel/sift/feed/minisign"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testKey returns a deterministic key pair: key id and seed bytes all b.
func testKey(t testing.TB, b byte) (*minisign.PublicKey, *minisign.PrivateKey) {
	t.Helper()
	pub, priv, err := minisign.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{b}, 40)))
	require.NoError(t, err)
	return pub, priv
}

func sign(t testing.TB, priv *minisign.PrivateKey, msg []byte, trusted, untrusted string) []byte {
	t.Helper()
	sig, err := minisign.Sign(priv, bytes.NewReader(msg), trusted, untrusted)
	require.NoError(t, err)
	return sig
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func parsePub(t testing.TB, text []byte) *minisign.PublicKey {
	t.Helper()
	k, err := minisign.ParsePublicKey(text)
	require.NoError(t, err)
	return k
}

// knownError reports whether err is one of the package's documented kinds.
func knownError(err error) bool {
	var unknown *minisign.UnknownKeyError
	return errors.Is(err, minisign.ErrFormat) || errors.Is(err, minisign.ErrLegacy) ||
		errors.Is(err, minisign.ErrSignature) || errors.Is(err, minisign.ErrTrustedComment) ||
		errors.As(err, &unknown)
}

// byteValues returns the replacement bytes the mutation tests try: all of
// them, or a sample in -short mode.
func byteValues() []byte {
	if testing.Short() {
		return []byte{0x00, 0x01, '\n', '\r', ' ', '+', '/', '=', 'A', 'a', '0', 0x7f, 0x80, 0xff}
	}
	v := make([]byte, 256)
	for i := range v {
		v[i] = byte(i)
	}
	return v
}

// reencode rewrites the base64 line lineNo (1-based) of a text file after
// passing its decoded bytes through edit.
func reencode(t testing.TB, text []byte, lineNo int, edit func([]byte) []byte) []byte {
	t.Helper()
	lines := strings.SplitAfter(string(text), "\n")
	line := strings.TrimSuffix(lines[lineNo-1], "\n")
	bin, err := base64.StdEncoding.DecodeString(line)
	require.NoError(t, err)
	lines[lineNo-1] = base64.StdEncoding.EncodeToString(edit(bin)) + "\n"
	return []byte(strings.Join(lines, ""))
}

// replaceLine replaces line lineNo (1-based, without its newline).
func replaceLine(text []byte, lineNo int, line string) []byte {
	lines := strings.SplitAfter(string(text), "\n")
	lines[lineNo-1] = line + "\n"
	return []byte(strings.Join(lines, ""))
}

func TestLimits(t *testing.T) {
	assert.Equal(t, 1003, minisign.MaxUntrustedComment)
	assert.Equal(t, 8173, minisign.MaxTrustedComment)
	assert.Equal(t, 9404, minisign.MaxSignatureSize)
	assert.Equal(t, 1236, minisign.MaxKeySize)

	_, priv := testKey(t, 1)
	longest := sign(t, priv, nil, strings.Repeat("t", minisign.MaxTrustedComment), strings.Repeat("u", minisign.MaxUntrustedComment))
	assert.Len(t, longest, minisign.MaxSignatureSize)
}

func TestKeyIDString(t *testing.T) {
	cases := []struct {
		name string
		id   minisign.KeyID
		want string
	}{
		{"zero", 0, "0000000000000000"},
		{"leading zeros kept", 0xAB, "00000000000000AB"},
		{"upper case", 0x3878052fcb2d6bf7, "3878052FCB2D6BF7"},
		{"max", ^minisign.KeyID(0), "FFFFFFFFFFFFFFFF"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.id.String())
		})
	}
}

func TestRoundTrip(t *testing.T) {
	pub, priv, err := minisign.GenerateKey(nil)
	require.NoError(t, err)
	assert.Equal(t, pub.KeyID(), priv.KeyID())
	assert.True(t, pub.Equal(priv.Public()))

	t.Run("public key file", func(t *testing.T) {
		text, err := pub.MarshalText()
		require.NoError(t, err)
		assert.Regexp(t, `^untrusted comment: minisign public key [0-9A-F]{16}\nRW[A-Za-z0-9+/]{54}\n$`, string(text))
		assert.Contains(t, string(text), pub.KeyID().String())
		got := parsePub(t, text)
		assert.True(t, got.Equal(pub))
	})
	t.Run("public key base64", func(t *testing.T) {
		got, err := minisign.ParsePublicKeyBase64(pub.String())
		require.NoError(t, err)
		assert.True(t, got.Equal(pub))
		assert.Equal(t, ed25519.PublicKey(priv.Public().Ed25519()), got.Ed25519())
	})
	t.Run("secret key unencrypted", func(t *testing.T) {
		text, err := priv.MarshalUnencrypted()
		require.NoError(t, err)
		got, err := minisign.ParsePrivateKey(text, nil)
		require.NoError(t, err)
		assert.Equal(t, priv.KeyID(), got.KeyID())
		assert.True(t, got.Public().Equal(pub))
		// A password is ignored for an unencrypted key.
		got, err = minisign.ParsePrivateKey(text, []byte("ignored"))
		require.NoError(t, err)
		assert.True(t, got.Public().Equal(pub))
	})
	t.Run("secret key encrypted", func(t *testing.T) {
		for _, pw := range [][]byte{[]byte("correct horse"), {}} {
			text, err := priv.MarshalEncrypted(pw, minisign.ScryptInteractive)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(text), "untrusted comment: minisign encrypted secret key\n"))
			got, err := minisign.ParsePrivateKey(text, pw)
			require.NoError(t, err)
			assert.True(t, got.Public().Equal(pub))

			_, err = minisign.ParsePrivateKey(text, []byte("wrong"))
			assert.ErrorIs(t, err, minisign.ErrPassword)
			_, err = minisign.ParsePrivateKey(text, nil)
			assert.ErrorIs(t, err, minisign.ErrEncrypted)
		}
	})
	t.Run("signature", func(t *testing.T) {
		msg := []byte("a snapshot\n")
		sig := sign(t, priv, msg, "feed=x version=3", "")
		s, err := minisign.ParseSignature(sig)
		require.NoError(t, err)
		assert.Equal(t, pub.KeyID(), s.KeyID())
		assert.Equal(t, "feed=x version=3", s.TrustedComment())
		assert.Equal(t, minisign.DefaultUntrustedComment, s.UntrustedComment())
		again, err := s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, string(sig), string(again))

		comment, key, err := minisign.Verify([]*minisign.PublicKey{pub}, bytes.NewReader(msg), sig)
		require.NoError(t, err)
		assert.Equal(t, "feed=x version=3", comment)
		assert.Same(t, pub, key)
	})
	t.Run("empty trusted comment and empty message", func(t *testing.T) {
		sig := sign(t, priv, nil, "", "")
		assert.Contains(t, string(sig), "\ntrusted comment: \n")
		comment, _, err := minisign.Verify([]*minisign.PublicKey{pub}, strings.NewReader(""), sig)
		require.NoError(t, err)
		assert.Equal(t, "", comment)
	})
}

func TestGenerateKeyDeterministic(t *testing.T) {
	pub1, _ := testKey(t, 7)
	pub2, _ := testKey(t, 7)
	assert.True(t, pub1.Equal(pub2))
	assert.Equal(t, minisign.KeyID(0x0707070707070707), pub1.KeyID())

	_, _, err := minisign.GenerateKey(strings.NewReader("short"))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestZeroValues(t *testing.T) {
	var pub minisign.PublicKey
	var priv minisign.PrivateKey
	_, err := pub.MarshalText()
	assert.Error(t, err)
	_, err = priv.MarshalUnencrypted()
	assert.Error(t, err)
	_, err = priv.MarshalEncrypted([]byte("x"), minisign.ScryptInteractive)
	assert.Error(t, err)
	_, err = minisign.Sign(&priv, strings.NewReader("x"), "", "")
	assert.Error(t, err)
	_, err = minisign.Sign(nil, strings.NewReader("x"), "", "")
	assert.Error(t, err)

	// A signature whose key id is 0 does not select a zero PublicKey.
	_, realPriv := testKey(t, 0)
	sig := sign(t, realPriv, []byte("m"), "c", "")
	s, err := minisign.ParseSignature(sig)
	require.NoError(t, err)
	require.Equal(t, minisign.KeyID(0), s.KeyID())
	_, _, err = minisign.Verify([]*minisign.PublicKey{&pub, nil}, strings.NewReader("m"), sig)
	var unknown *minisign.UnknownKeyError
	assert.ErrorAs(t, err, &unknown)

	// Nor does a zero Signature verify.
	var zs minisign.Signature
	_, err = zs.Verify([]*minisign.PublicKey{realPriv.Public()}, strings.NewReader("m"))
	assert.ErrorIs(t, err, minisign.ErrSignature)
}

func TestPrivateKeyNotPrinted(t *testing.T) {
	_, priv, err := minisign.GenerateKey(strings.NewReader("key id.." + strings.Repeat("\x09", 32)))
	require.NoError(t, err)
	text, err := priv.MarshalUnencrypted()
	require.NoError(t, err)
	secretLine := strings.Split(string(text), "\n")[1]
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(format, priv)
		assert.Contains(t, out, priv.KeyID().String(), format)
		assert.NotContains(t, out, secretLine[60:80], format)
		assert.NotContains(t, out, "9, 9, 9", format) // the seed bytes
		assert.NotContains(t, out, "090909", format)
	}
}

func TestSignComments(t *testing.T) {
	pub, priv := testKey(t, 2)
	keys := []*minisign.PublicKey{pub}
	cases := []struct {
		name               string
		trusted, untrusted string
		wantErr            bool
	}{
		{"both at their limit", strings.Repeat("t", 8173), strings.Repeat("u", 1003), false},
		{"tabs and UTF-8", "timestamp:1\tfile:café.sift\thashed", "ünträsted", false},
		{"not UTF-8 is kept", "\xff\xfe", "\x80", false},
		{"trusted too long", strings.Repeat("t", 8174), "", true},
		{"untrusted too long", "", strings.Repeat("u", 1004), true},
		{"trusted newline", "a\nb", "", true},
		{"trusted carriage return", "a\rb", "", true},
		{"trusted NUL", "a\x00b", "", true},
		{"untrusted newline", "", "a\n", true},
		{"untrusted NUL", "", "\x00", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := minisign.Sign(priv, strings.NewReader("m"), tc.trusted, tc.untrusted)
			if tc.wantErr {
				assert.ErrorIs(t, err, minisign.ErrFormat)
				return
			}
			require.NoError(t, err)
			comment, _, err := minisign.Verify(keys, strings.NewReader("m"), sig)
			require.NoError(t, err)
			assert.Equal(t, tc.trusted, comment)
			s, err := minisign.ParseSignature(sig)
			require.NoError(t, err)
			assert.Equal(t, tc.untrusted, s.UntrustedComment())
		})
	}
}

func TestDefaultTrustedComment(t *testing.T) {
	assert.Equal(t, "timestamp:1700000000\tfile:feed.sift\thashed",
		minisign.DefaultTrustedComment("feed.sift", time.Unix(1700000000, 0)))
}

// TestMinisignFixtures checks files written by the real minisign 0.11 (see
// testdata/README.md); they need no binary.
func TestMinisignFixtures(t *testing.T) {
	pubText := readFile(t, "minisign.pub")
	pub := parsePub(t, pubText)
	encPub := parsePub(t, readFile(t, "encrypted.pub"))
	msg := readFile(t, "message.txt")
	keys := []*minisign.PublicKey{pub, encPub}

	t.Run("public key file is byte-identical when re-marshalled", func(t *testing.T) {
		again, err := pub.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, string(pubText), string(again)) // this key id has no leading zero
	})
	t.Run("minisign 0.11 drops the key id's leading zeros", func(t *testing.T) {
		text := readFile(t, "short-keyid.pub")
		require.True(t, strings.HasPrefix(string(text), "untrusted comment: minisign public key 820A7DEC85D8465\n"))
		k := parsePub(t, text)
		assert.Equal(t, "0820A7DEC85D8465", k.KeyID().String())
		again, err := k.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, strings.Replace(string(text), "key 820A", "key 0820A", 1), string(again))
	})
	t.Run("unencrypted secret key with zero checksum", func(t *testing.T) {
		keyText := readFile(t, "minisign.key")
		bin, err := base64.StdEncoding.DecodeString(strings.Split(string(keyText), "\n")[1])
		require.NoError(t, err)
		require.Equal(t, make([]byte, 32), bin[len(bin)-32:], "minisign 0.11 -W leaves the checksum zero")
		priv, err := minisign.ParsePrivateKey(keyText, nil)
		require.NoError(t, err)
		assert.True(t, priv.Public().Equal(pub))
	})
	cases := []struct {
		name, sig string
		key       *minisign.PublicKey
		comment   string // regexp
		err       error
	}{
		{"minisign -S -t", "message.txt.minisig", pub, `^feed=test version=1$`, nil},
		{"minisign -S default comment", "message.txt.default.minisig", pub, `^timestamp:\d+\tfile:message\.txt\thashed$`, nil},
		{"encrypted key", "message.txt.encrypted.minisig", encPub, `^signed with the encrypted key$`, nil},
		{"minisign -S -l legacy", "message.txt.legacy.minisig", nil, "", minisign.ErrLegacy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			comment, key, err := minisign.Verify(keys, bytes.NewReader(msg), readFile(t, tc.sig))
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Same(t, tc.key, key)
			assert.Regexp(t, regexp.MustCompile(tc.comment), comment)

			_, _, err = minisign.Verify(keys, bytes.NewReader(append(bytes.Clone(msg), 'x')), readFile(t, tc.sig))
			assert.ErrorIs(t, err, minisign.ErrSignature)
		})
	}
	t.Run("encrypted secret key (1 GiB scrypt)", func(t *testing.T) {
		if testing.Short() {
			t.Skip("-short: decrypting with minisign's default limits takes 1 GiB and seconds")
		}
		priv, err := minisign.ParsePrivateKey(readFile(t, "encrypted.key"), []byte("sift-test-password"))
		require.NoError(t, err)
		assert.True(t, priv.Public().Equal(encPub))
	})
}

func TestEncryptedKeyErrors(t *testing.T) {
	_, priv := testKey(t, 3)
	text, err := priv.MarshalEncrypted([]byte("pw"), minisign.ScryptInteractive)
	require.NoError(t, err)
	setLimits := func(ops, mem uint64) []byte {
		return reencode(t, text, 2, func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[38:], ops)
			binary.LittleEndian.PutUint64(b[46:], mem)
			return b
		})
	}
	cases := []struct {
		name string
		text []byte
		err  error
		msg  string
	}{
		{"opslimit over minisign's", setLimits(33554433, 16777216), minisign.ErrFormat, "opslimit 33554433"},
		{"memlimit over minisign's", setLimits(524288, 1<<40), minisign.ErrFormat, "memlimit 1099511627776"},
		{"both huge", setLimits(^uint64(0), ^uint64(0)), minisign.ErrFormat, "more than"},
		{"other limits, other key stream", setLimits(2*524288, 16777216), minisign.ErrPassword, "wrong password"},
		{"wrong checksum algorithm", reencode(t, text, 2, func(b []byte) []byte { copy(b[4:], "B3"); return b }), minisign.ErrFormat, `checksum algorithm "B3"`},
		{"unknown kdf", reencode(t, text, 2, func(b []byte) []byte { copy(b[2:], "Ar"); return b }), minisign.ErrFormat, `key derivation "Ar"`},
		{"prehashed algorithm in a key", reencode(t, text, 2, func(b []byte) []byte { copy(b, "ED"); return b }), minisign.ErrFormat, `signature algorithm "ED"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := minisign.ParsePrivateKey(tc.text, []byte("pw"))
			assert.ErrorIs(t, err, tc.err)
			assert.ErrorContains(t, err, tc.msg)
		})
	}

	t.Run("write limits", func(t *testing.T) {
		for _, p := range []minisign.ScryptParams{
			{OpsLimit: 32767, MemLimit: 16777216},
			{OpsLimit: 524288, MemLimit: 16777215},
			{OpsLimit: 33554433, MemLimit: 16777216},
			{OpsLimit: 524288, MemLimit: 1<<30 + 1},
			{OpsLimit: 524288},
		} {
			_, err := priv.MarshalEncrypted([]byte("pw"), p)
			assert.Error(t, err, "%+v", p)
		}
	})
}

func TestUnencryptedKeyErrors(t *testing.T) {
	_, priv := testKey(t, 4)
	text, err := priv.MarshalUnencrypted()
	require.NoError(t, err)
	cases := []struct {
		name string
		text []byte
		msg  string
	}{
		{"wrong checksum", reencode(t, text, 2, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), "wrong checksum"},
		{"key id changed", reencode(t, text, 2, func(b []byte) []byte { b[54] ^= 1; return b }), "wrong checksum"},
		{"public half does not match the seed, checksum recomputed", reencode(t, text, 2, func(b []byte) []byte {
			b[54+8+40] ^= 1
			copy(b[len(b)-32:], make([]byte, 32)) // a zero checksum is accepted, as minisign 0.11 writes it
			return b
		}), "public half"},
		{"too long", append(bytes.Clone(text), strings.Repeat("x", minisign.MaxKeySize)...), "more than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := minisign.ParsePrivateKey(tc.text, nil)
			assert.ErrorIs(t, err, minisign.ErrFormat)
			assert.ErrorContains(t, err, tc.msg)
		})
	}
}

// TestSecretKeyMutations changes every byte of an unencrypted secret key
// file: each change is refused, or leaves the same key (the comment, and the
// salt and limits that an unencrypted key does not use).
func TestSecretKeyMutations(t *testing.T) {
	_, priv := testKey(t, 5)
	text, err := priv.MarshalUnencrypted()
	require.NoError(t, err)
	for i := range text {
		for _, v := range byteValues() {
			if v == text[i] {
				continue
			}
			mut := bytes.Clone(text)
			mut[i] = v
			got, err := minisign.ParsePrivateKey(mut, nil)
			if err != nil {
				require.True(t, errors.Is(err, minisign.ErrFormat) || errors.Is(err, minisign.ErrEncrypted), "byte %d = %#x: %v", i, v, err)
				continue
			}
			require.True(t, got.Public().Equal(priv.Public()), "byte %d = %#x: parsed to another key", i, v)
		}
	}
	for n := range len(text) {
		_, err := minisign.ParsePrivateKey(text[:n], nil)
		require.ErrorIs(t, err, minisign.ErrFormat, "truncated to %d bytes", n)
	}
}

func TestSignatureGrammar(t *testing.T) {
	pub, priv := testKey(t, 6)
	keys := []*minisign.PublicKey{pub}
	msg := []byte("grammar\n")
	good := sign(t, priv, msg, "feed=g version=1", "u")
	lines := strings.SplitAfter(string(good), "\n") // 4 lines and ""
	require.Len(t, lines, 5)
	sigLine := strings.TrimSuffix(lines[1], "\n")
	sigBin, err := base64.StdEncoding.DecodeString(sigLine)
	require.NoError(t, err)
	enc := base64.StdEncoding.EncodeToString
	withSig := func(bin []byte) string { return lines[0] + enc(bin) + "\n" + lines[2] + lines[3] }
	withAlg := func(alg string) string { b := bytes.Clone(sigBin); copy(b, alg); return withSig(b) }
	withGlobal := func(line string) string { return lines[0] + lines[1] + lines[2] + line + "\n" }

	cases := []struct {
		name string
		text string
		err  error  // nil: verifies
		msg  string // in the error
	}{
		{"valid", string(good), nil, ""},
		{"empty", "", minisign.ErrFormat, "empty"},
		{"one line", lines[0], minisign.ErrFormat, "1 lines, want 4"},
		{"two lines", lines[0] + lines[1], minisign.ErrFormat, "2 lines, want 4"},
		{"three lines", lines[0] + lines[1] + lines[2], minisign.ErrFormat, "3 lines, want 4"},
		{"five lines", string(good) + "\n", minisign.ErrFormat, "5 lines, want 4"},
		{"extra line", string(good) + "untrusted comment: again\n", minisign.ErrFormat, "5 lines, want 4"},
		{"trailing garbage", string(good) + "x", minisign.ErrFormat, "no newline at the end"},
		{"no final newline", strings.TrimSuffix(string(good), "\n"), minisign.ErrFormat, "no newline at the end"},
		{"CRLF", strings.ReplaceAll(string(good), "\n", "\r\n"), minisign.ErrFormat, "carriage return"},
		{"NUL in untrusted comment", "untrusted comment: a\x00b\n" + lines[1] + lines[2] + lines[3], minisign.ErrFormat, "NUL"},
		{"NUL in trusted comment", lines[0] + lines[1] + "trusted comment: feed=g\x00 version=1\n" + lines[3], minisign.ErrFormat, "NUL"},
		{"BOM", "\ufeff" + string(good), minisign.ErrFormat, `want "untrusted comment: …"`},
		{"no untrusted prefix", "untrusted comment:u\n" + lines[1] + lines[2] + lines[3], minisign.ErrFormat, "line 1"},
		{"capitalised prefix", "Untrusted comment: u\n" + lines[1] + lines[2] + lines[3], minisign.ErrFormat, "line 1"},
		{"no trusted prefix", lines[0] + lines[1] + "feed=g version=1\n" + lines[3], minisign.ErrFormat, "line 3"},
		{"untrusted comment at the limit", "untrusted comment: " + strings.Repeat("u", 1003) + "\n" + lines[1] + lines[2] + lines[3], nil, ""},
		{"untrusted comment over the limit", "untrusted comment: " + strings.Repeat("u", 1004) + "\n" + lines[1] + lines[2] + lines[3], minisign.ErrFormat, "1004 bytes"},
		{"trusted comment over the limit", lines[0] + lines[1] + "trusted comment: " + strings.Repeat("t", 8174) + "\n" + lines[3], minisign.ErrFormat, "8174 bytes"},
		{"file over the size limit", strings.Repeat("u", minisign.MaxSignatureSize+1), minisign.ErrFormat, "9405 bytes"},
		{"bad base64 character", lines[0] + "*" + lines[1][1:] + lines[2] + lines[3], minisign.ErrFormat, "not base64 at character 1"},
		{"base64 with a space", lines[0] + " " + lines[1][1:] + lines[2] + lines[3], minisign.ErrFormat, "line 2"},
		{"base64 line too short", lines[0] + lines[1][1:] + lines[2] + lines[3], minisign.ErrFormat, "99 characters, want 100"},
		{"signature of 73 bytes", withSig(sigBin[:73]), minisign.ErrFormat, "decodes to 73 bytes, want 74"},
		{"signature of 75 bytes", withSig(append(bytes.Clone(sigBin), 0)), minisign.ErrFormat, "decodes to 75 bytes, want 74"},
		{"global signature of 63 bytes", withGlobal(enc(make([]byte, 63))), minisign.ErrFormat, "84 characters, want 88"},
		{"global signature of 65 bytes", withGlobal(enc(make([]byte, 65))), minisign.ErrFormat, "decodes to 65 bytes, want 64"},
		{"non-canonical padding bits", withGlobal(strings.TrimSuffix(lines[3], "==\n")[:85] + "B=="), minisign.ErrFormat, "not base64"},
		{"unknown algorithm EE", withAlg("EE"), minisign.ErrFormat, `unknown signature algorithm "EE"`},
		{"unknown algorithm NUL NUL", withAlg("\x00\x00"), minisign.ErrFormat, "unknown signature algorithm"},
		{"legacy Ed", withAlg("Ed"), minisign.ErrLegacy, `algorithm "Ed"`},
		{"changed untrusted comment", "untrusted comment: anything at all\n" + lines[1] + lines[2] + lines[3], nil, ""},
		{"changed trusted comment", lines[0] + lines[1] + "trusted comment: feed=g version=2\n" + lines[3], minisign.ErrTrustedComment, ""},
		{"empty trusted comment", lines[0] + lines[1] + "trusted comment: \n" + lines[3], minisign.ErrTrustedComment, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := minisign.Verify(keys, bytes.NewReader(msg), []byte(tc.text))
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			assert.Contains(t, err.Error(), tc.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "minisign: "), err.Error())
		})
	}
}

func TestPublicKeyGrammar(t *testing.T) {
	pub, _ := testKey(t, 8)
	good, err := pub.MarshalText()
	require.NoError(t, err)
	lines := strings.SplitAfter(string(good), "\n")
	bin, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(lines[1], "\n"))
	require.NoError(t, err)
	enc := base64.StdEncoding.EncodeToString
	withBin := func(b []byte) string { return lines[0] + enc(b) + "\n" }
	withAlg := func(alg string) string { b := bytes.Clone(bin); copy(b, alg); return withBin(b) }

	cases := []struct {
		name, text string
		msg        string // "" for valid
	}{
		{"valid", string(good), ""},
		{"any untrusted comment", "untrusted comment: my key\n" + lines[1], ""},
		{"empty", "", "empty"},
		{"comment only", lines[0], "1 lines, want 2"},
		{"key only", lines[1], "1 lines, want 2"},
		{"key first", lines[1] + lines[0], `line 1: want "untrusted comment: …"`},
		{"no final newline", strings.TrimSuffix(string(good), "\n"), "no newline at the end"},
		{"three lines", string(good) + "\n", "3 lines, want 2"},
		{"CRLF", strings.ReplaceAll(string(good), "\n", "\r\n"), "carriage return"},
		{"algorithm ED", withAlg("ED"), `algorithm "ED", want "Ed"`},
		{"41 bytes", withBin(bin[:41]), "decodes to 41 bytes, want 42"},
		{"43 bytes", withBin(append(bytes.Clone(bin), 0)), "60 characters, want 56"},
		{"comment over the limit", "untrusted comment: " + strings.Repeat("c", 1004) + "\n" + lines[1], "1081 bytes, more than the 1080"},
		{"file over the limit", strings.Repeat("c", 1081), "1081 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := minisign.ParsePublicKey([]byte(tc.text))
			if tc.msg == "" {
				require.NoError(t, err)
				assert.True(t, got.Equal(pub))
				return
			}
			require.ErrorIs(t, err, minisign.ErrFormat)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}

	t.Run("base64 form", func(t *testing.T) {
		for _, s := range []string{"", lines[1], strings.TrimSuffix(lines[1], "\n") + " ", "RW" + strings.Repeat("A", 54)} {
			_, err := minisign.ParsePublicKeyBase64(s)
			assert.ErrorIs(t, err, minisign.ErrFormat, "%q", s)
		}
	})
}

// smallOrder are the encodings of the Ed25519 points of order 1, 2, 4 and
// 8 (libsodium's blocklist), with the sign bit clear; p and p+1 are
// non-canonical spellings of 0 and 1.
var smallOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000", // y = 0, order 4
	"0100000000000000000000000000000000000000000000000000000000000000", // y = 1, the identity
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p-1, order 2
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p+1
}

func TestWeakPublicKeysRefused(t *testing.T) {
	mk := func(point []byte) string {
		b := append([]byte("Ed12345678"), point...)
		return base64.StdEncoding.EncodeToString(b)
	}
	for _, h := range smallOrder {
		for _, signBit := range []byte{0, 0x80} {
			point, err := hex.DecodeString(h)
			require.NoError(t, err)
			point[31] |= signBit
			_, err = minisign.ParsePublicKeyBase64(mk(point))
			assert.ErrorIs(t, err, minisign.ErrFormat, "%x", point)
		}
	}

	// Why: the identity as a public key accepts one forged signature for
	// every message.
	identity := make([]byte, 32)
	identity[0] = 1
	forged := make([]byte, 64)
	forged[0] = 1 // R = identity, s = 0
	assert.True(t, ed25519.Verify(identity, []byte("any message"), forged))

	// The order-8 points are refused for their order, which takes the
	// curve arithmetic to find.
	p8, err := hex.DecodeString(smallOrder[2])
	require.NoError(t, err)
	_, err = minisign.ParsePublicKeyBase64(mk(p8))
	assert.ErrorContains(t, err, "small order")

	// Real keys pass; about half of random encodings are not points.
	for i := range 200 {
		pub, _ := testKey(t, byte(i))
		_, err := minisign.ParsePublicKeyBase64(pub.String())
		require.NoError(t, err)
	}
	notPoint := 0
	for i := range 1000 {
		point := make([]byte, 32)
		binary.LittleEndian.PutUint64(point, uint64(i)*0x9E3779B97F4A7C15)
		binary.LittleEndian.PutUint64(point[8:], uint64(i)*0xBF58476D1CE4E5B9)
		point[31] &= 0x3f
		if _, err := minisign.ParsePublicKeyBase64(mk(point)); err != nil {
			notPoint++
		}
	}
	assert.InDelta(t, 500, notPoint, 80)
}

func TestVerifyKeys(t *testing.T) {
	pubA, privA := testKey(t, 0xA)
	pubB, privB := testKey(t, 0xB)
	pubC, _ := testKey(t, 0xC)
	msg := []byte("rotating\n")
	sigA := sign(t, privA, msg, "by A", "")
	sigB := sign(t, privB, msg, "by B", "")
	// sigB relabelled with A's key id.
	bAsA := reencode(t, sigB, 2, func(b []byte) []byte {
		binary.LittleEndian.PutUint64(b[2:], uint64(pubA.KeyID()))
		return b
	})
	// A public key with A's id but B's Ed25519 key (a config mistake, or
	// a key id collision).
	pubBWithAID, err := minisign.ParsePublicKeyBase64(base64.StdEncoding.EncodeToString(
		append(append([]byte("Ed"), binary.LittleEndian.AppendUint64(nil, uint64(pubA.KeyID()))...), pubB.Ed25519()...)))
	require.NoError(t, err)

	cases := []struct {
		name    string
		keys    []*minisign.PublicKey
		sig     []byte
		want    *minisign.PublicKey
		comment string
		err     error
	}{
		{"A with A,B", []*minisign.PublicKey{pubA, pubB}, sigA, pubA, "by A", nil},
		{"B with A,B", []*minisign.PublicKey{pubA, pubB}, sigB, pubB, "by B", nil},
		{"B with B,A", []*minisign.PublicKey{pubB, pubA}, sigB, pubB, "by B", nil},
		{"nil and zero keys skipped", []*minisign.PublicKey{nil, {}, pubA}, sigA, pubA, "by A", nil},
		{"B's signature labelled A", []*minisign.PublicKey{pubA, pubB}, bAsA, nil, "", minisign.ErrSignature},
		{"two keys share an id: both tried", []*minisign.PublicKey{pubA, pubBWithAID}, bAsA, pubBWithAID, "by B", nil},
		{"unknown key", []*minisign.PublicKey{pubC}, sigA, nil, "", &minisign.UnknownKeyError{}},
		{"no keys", nil, sigA, nil, "", &minisign.UnknownKeyError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			comment, key, err := minisign.Verify(tc.keys, bytes.NewReader(msg), tc.sig)
			switch want := tc.err.(type) {
			case nil:
				require.NoError(t, err)
				assert.Same(t, tc.want, key)
				assert.Equal(t, tc.comment, comment)
			case *minisign.UnknownKeyError:
				var got *minisign.UnknownKeyError
				require.ErrorAs(t, err, &got)
				assert.Equal(t, pubA.KeyID(), got.KeyID)
				assert.Contains(t, err.Error(), pubA.KeyID().String())
				_ = want
			default:
				assert.ErrorIs(t, err, tc.err)
				assert.Nil(t, key)
				assert.Empty(t, comment)
			}
		})
	}

	t.Run("unknown key does not read the message", func(t *testing.T) {
		_, _, err := minisign.Verify([]*minisign.PublicKey{pubC}, iotest.ErrReader(errors.New("read")), sigA)
		var unknown *minisign.UnknownKeyError
		assert.ErrorAs(t, err, &unknown)
	})
	t.Run("read error", func(t *testing.T) {
		readErr := errors.New("disk on fire")
		_, _, err := minisign.Verify([]*minisign.PublicKey{pubA}, iotest.ErrReader(readErr), sigA)
		assert.ErrorIs(t, err, readErr)
		assert.False(t, knownError(err))
	})
	t.Run("global signature from another signature", func(t *testing.T) {
		other := sign(t, privA, []byte("another message"), "by A", "")
		mixed := replaceLine(sigA, 4, strings.Split(string(other), "\n")[3])
		_, _, err := minisign.Verify([]*minisign.PublicKey{pubA}, bytes.NewReader(msg), mixed)
		assert.ErrorIs(t, err, minisign.ErrTrustedComment)
	})
	t.Run("VerifyComment", func(t *testing.T) {
		s, err := minisign.ParseSignature(sigA)
		require.NoError(t, err)
		key, err := s.VerifyComment([]*minisign.PublicKey{pubB, pubA})
		require.NoError(t, err)
		assert.Same(t, pubA, key)
		_, err = s.VerifyComment([]*minisign.PublicKey{pubB})
		var unknown *minisign.UnknownKeyError
		assert.ErrorAs(t, err, &unknown)

		tampered, err := minisign.ParseSignature(replaceLine(sigA, 3, "trusted comment: by Eve"))
		require.NoError(t, err)
		_, err = tampered.VerifyComment([]*minisign.PublicKey{pubA})
		assert.ErrorIs(t, err, minisign.ErrTrustedComment)
	})
}

// TestSignatureMutations changes every byte of a signature file to other
// values, and truncates it at every length: each result is refused, except
// changes inside the untrusted comment, which is not signed and must not
// matter. A change that still parses must decode to the same signature
// (possible in principle for base64 padding bits; the strict decoder
// refuses those).
func TestSignatureMutations(t *testing.T) {
	pub, priv := testKey(t, 0x11)
	keys := []*minisign.PublicKey{pub}
	msg := []byte("mutate me\n")
	const trusted = "feed=m version=9"
	sig := sign(t, priv, msg, trusted, "a comment")
	orig, err := minisign.ParseSignature(sig)
	require.NoError(t, err)
	origText, _ := orig.MarshalText()
	commentStart, commentEnd := len("untrusted comment: "), bytes.IndexByte(sig, '\n')

	accepted := 0
	for i := range sig {
		for _, v := range byteValues() {
			if v == sig[i] {
				continue
			}
			mut := bytes.Clone(sig)
			mut[i] = v
			comment, _, err := minisign.Verify(keys, bytes.NewReader(msg), mut)
			if err != nil {
				require.True(t, knownError(err), "byte %d = %#x: %v", i, v, err)
				continue
			}
			accepted++
			require.Equal(t, trusted, comment)
			if i >= commentStart && i < commentEnd {
				continue
			}
			s, err := minisign.ParseSignature(mut)
			require.NoError(t, err)
			text, _ := s.MarshalText()
			require.Equal(t, string(origText), string(text), "byte %d = %#x accepted with different content", i, v)
		}
	}
	assert.Positive(t, accepted) // the untrusted comment's changes
	for n := range len(sig) {
		_, _, err := minisign.Verify(keys, bytes.NewReader(msg), sig[:n])
		require.ErrorIs(t, err, minisign.ErrFormat, "truncated to %d bytes", n)
	}
}

// TestPublicKeyMutations changes every byte of a public key file: each
// result is refused by ParsePublicKey, or is the same key (a change in the
// comment), or is another key that does not verify the signature.
func TestPublicKeyMutations(t *testing.T) {
	pub, priv := testKey(t, 0x22)
	msg := []byte("mutate the key\n")
	sig := sign(t, priv, msg, "c", "")
	text, err := pub.MarshalText()
	require.NoError(t, err)
	for i := range text {
		for _, v := range byteValues() {
			if v == text[i] {
				continue
			}
			mut := bytes.Clone(text)
			mut[i] = v
			k, err := minisign.ParsePublicKey(mut)
			if err != nil {
				require.ErrorIs(t, err, minisign.ErrFormat, "byte %d = %#x", i, v)
				continue
			}
			if k.Equal(pub) {
				require.Less(t, i, bytes.IndexByte(text, '\n'), "byte %d = %#x: same key from a changed key line", i, v)
				continue
			}
			_, _, err = minisign.Verify([]*minisign.PublicKey{k}, bytes.NewReader(msg), sig)
			require.Error(t, err, "byte %d = %#x: a changed key verifies", i, v)
			require.True(t, knownError(err))
		}
	}
	for n := range len(text) {
		_, err := minisign.ParsePublicKey(text[:n])
		require.ErrorIs(t, err, minisign.ErrFormat, "truncated to %d bytes", n)
	}
}

// TestMessageMutations changes every byte of a signed message, truncates it
// at every length and extends it: each is refused with ErrSignature.
func TestMessageMutations(t *testing.T) {
	pub, priv := testKey(t, 0x33)
	keys := []*minisign.PublicKey{pub}
	msg := []byte("feed=sift version=12 a signed snapshot body\n")
	sig := sign(t, priv, msg, "c", "")
	values := []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff} // XOR masks
	if !testing.Short() {
		values = byteValues()[1:] // every other value of each byte
	}
	for i := range msg {
		for _, x := range values {
			mut := bytes.Clone(msg)
			mut[i] ^= x
			if bytes.Equal(mut, msg) {
				continue
			}
			_, _, err := minisign.Verify(keys, bytes.NewReader(mut), sig)
			require.ErrorIs(t, err, minisign.ErrSignature, "byte %d ^ %#x", i, x)
		}
	}
	for n := range len(msg) {
		_, _, err := minisign.Verify(keys, bytes.NewReader(msg[:n]), sig)
		require.ErrorIs(t, err, minisign.ErrSignature, "truncated to %d bytes", n)
	}
	_, _, err := minisign.Verify(keys, bytes.NewReader(append(bytes.Clone(msg), 0)), sig)
	require.ErrorIs(t, err, minisign.ErrSignature)
}

// TestStreaming signs and verifies a message that is never in memory.
func TestStreaming(t *testing.T) {
	size := int64(64 << 20)
	if testing.Short() {
		size = 4 << 20
	}
	pub, priv := testKey(t, 0x44)
	body := func() io.Reader { return io.LimitReader(&pattern{}, size) }
	sig, err := minisign.Sign(priv, body(), "big", "")
	require.NoError(t, err)
	comment, _, err := minisign.Verify([]*minisign.PublicKey{pub}, body(), sig)
	require.NoError(t, err)
	assert.Equal(t, "big", comment)
	_, _, err = minisign.Verify([]*minisign.PublicKey{pub}, io.LimitReader(&pattern{}, size-1), sig)
	assert.ErrorIs(t, err, minisign.ErrSignature)
}

// pattern is an endless, deterministic, cheap byte stream.
type pattern struct{ n uint64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		p.n++
		b[i] = byte(p.n*0x9E3779B97F4A7C15>>56) ^ byte(p.n)
	}
	return len(b), nil
}

// TestConcurrentUse shares keys and a parsed signature between goroutines
// (run with -race).
func TestConcurrentUse(t *testing.T) {
	pub, priv := testKey(t, 0x99)
	keys := []*minisign.PublicKey{pub}
	msg := []byte("shared\n")
	sig := sign(t, priv, msg, "c", "")
	s, err := minisign.ParseSignature(sig)
	require.NoError(t, err)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = s.Verify(keys, bytes.NewReader(msg))
			case 1:
				_, _, err = minisign.Verify(keys, bytes.NewReader(msg), sig)
			default:
				_, err = minisign.Sign(priv, bytes.NewReader(msg), "c", "")
			}
			errs <- err
		}()
	}
	for range 16 {
		require.NoError(t, <-errs)
	}
}
