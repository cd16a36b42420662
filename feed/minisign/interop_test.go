package minisign_test

// Interoperability with the real minisign binary, both ways. These tests
// skip when minisign is not on PATH (CI installs it: apt-get install
// minisign). minisign reads passwords from stdin when stdin is not a
// terminal, so encrypted keys are scripted with printf-style input.

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sift-intel/sift/feed/minisign"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/blake2b"
)

// assertSamePublicKeyFile checks that a public key file written by minisign
// equals one written here, byte for byte but for the key id's leading
// zeros: minisign 0.11 prints the key id without them (%X), later versions
// and this package with them (%016X).
func assertSamePublicKeyFile(t *testing.T, fromMinisign, fromHere []byte) {
	t.Helper()
	const prefix = "untrusted comment: minisign public key "
	mini := strings.SplitAfter(string(fromMinisign), "\n")
	here := strings.SplitAfter(string(fromHere), "\n")
	require.Len(t, mini, 3)
	require.Len(t, here, 3)
	assert.Equal(t, here[1:], mini[1:])
	require.True(t, strings.HasPrefix(mini[0], prefix), mini[0])
	require.True(t, strings.HasPrefix(here[0], prefix), here[0])
	miniID := strings.TrimSuffix(strings.TrimPrefix(mini[0], prefix), "\n")
	hereID := strings.TrimSuffix(strings.TrimPrefix(here[0], prefix), "\n")
	assert.Len(t, hereID, 16)
	assert.Equal(t, hereID, strings.Repeat("0", 16-len(miniID))+miniID)
}

// minisignCLI runs the real minisign in dir.
type minisignCLI struct {
	t   *testing.T
	dir string
}

func needMinisign(t *testing.T) *minisignCLI {
	t.Helper()
	if _, err := exec.LookPath("minisign"); err != nil {
		t.Skip("minisign is not on PATH; install it (apt-get install minisign) to run the interoperability tests")
	}
	return &minisignCLI{t: t, dir: t.TempDir()}
}

// run runs minisign with stdin and returns its combined output and
// whether it exited 0.
func (m *minisignCLI) run(stdin string, args ...string) (string, bool) {
	m.t.Helper()
	cmd := exec.Command("minisign", args...)
	cmd.Dir = m.dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			m.t.Fatalf("minisign %v: %v", args, err)
		}
	}
	return string(out), err == nil
}

func (m *minisignCLI) mustRun(stdin string, args ...string) string {
	m.t.Helper()
	out, ok := m.run(stdin, args...)
	require.True(m.t, ok, "minisign %v failed:\n%s", args, out)
	return out
}

func (m *minisignCLI) path(name string) string { return filepath.Join(m.dir, name) }

func (m *minisignCLI) write(name string, data []byte) {
	m.t.Helper()
	require.NoError(m.t, os.WriteFile(m.path(name), data, 0o600))
}

func (m *minisignCLI) read(name string) []byte {
	m.t.Helper()
	b, err := os.ReadFile(m.path(name))
	require.NoError(m.t, err)
	return b
}

// verifyFile verifies name with name.minisig here, streaming from the file.
func (m *minisignCLI) verifyFile(keys []*minisign.PublicKey, name string) (string, *minisign.PublicKey, error) {
	m.t.Helper()
	f, err := os.Open(m.path(name))
	require.NoError(m.t, err)
	defer f.Close()
	return minisign.Verify(keys, f, m.read(name+".minisig"))
}

func randomMessage(t *testing.T, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	_, err := (&pattern{n: uint64(size)}).Read(b)
	require.NoError(t, err)
	return b
}

// minisignWriteMax is the longest trusted comment minisign -S can write:
// it formats each line into a 4096-byte buffer ("trusted comment: " + text
// + "\n" must fit with its NUL), although minisign -V reads up to
// MaxTrustedComment (8173) bytes, which Sign writes and minisign verifies.
const minisignWriteMax = 4096 - 1 - len("trusted comment: ") - 1

func TestInteropMinisignSignsPackageVerifies(t *testing.T) {
	m := needMinisign(t)
	m.mustRun("", "-G", "-W", "-p", "mini.pub", "-s", "mini.key")
	pubText := m.read("mini.pub")
	pub := parsePub(t, pubText)
	keys := []*minisign.PublicKey{pub}

	t.Run("public key file re-marshals alike", func(t *testing.T) {
		again, err := pub.MarshalText()
		require.NoError(t, err)
		assertSamePublicKeyFile(t, pubText, again)
	})
	t.Run("secret key -W parses, to the same key", func(t *testing.T) {
		priv, err := minisign.ParsePrivateKey(m.read("mini.key"), nil)
		require.NoError(t, err)
		assert.True(t, priv.Public().Equal(pub))
	})

	size := 16 << 20
	if testing.Short() {
		size = 1 << 20
	}
	m.write("snapshot.sift", randomMessage(t, size))
	cases := []struct {
		name      string
		args      []string
		comment   string // exact, or a regexp when it starts with ^
		untrusted string
		err       error
	}{
		{"-t", []string{"-t", "feed=interop version=1"}, "feed=interop version=1", minisign.DefaultUntrustedComment, nil},
		{"default trusted comment", nil, `^timestamp:\d+\tfile:snapshot\.sift\thashed$`, minisign.DefaultUntrustedComment, nil},
		{"-c untrusted comment", []string{"-c", "made by minisign", "-t", "x"}, "x", "made by minisign", nil},
		{"tab and UTF-8 in -t", []string{"-t", "feed=é\tversion=2"}, "feed=é\tversion=2", minisign.DefaultUntrustedComment, nil},
		{"longest trusted comment minisign writes", []string{"-t", strings.Repeat("t", minisignWriteMax)}, strings.Repeat("t", minisignWriteMax), minisign.DefaultUntrustedComment, nil},
		{"-l legacy refused", []string{"-l", "-t", "old"}, "", "", minisign.ErrLegacy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-S", "-s", "mini.key", "-m", "snapshot.sift"}, tc.args...)
			m.mustRun("", args...)
			comment, key, err := m.verifyFile(keys, "snapshot.sift")
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Same(t, pub, key)
			if strings.HasPrefix(tc.comment, "^") {
				assert.Regexp(t, tc.comment, comment)
			} else {
				assert.Equal(t, tc.comment, comment)
			}
			s, err := minisign.ParseSignature(m.read("snapshot.sift.minisig"))
			require.NoError(t, err)
			assert.Equal(t, tc.untrusted, s.UntrustedComment())
			text, err := s.MarshalText()
			require.NoError(t, err)
			assert.Equal(t, string(m.read("snapshot.sift.minisig")), string(text), "minisign's file is canonical here")
		})
	}

	t.Run("minisign writes no longer trusted comment", func(t *testing.T) {
		out, ok := m.run("", "-S", "-s", "mini.key", "-m", "snapshot.sift", "-t", strings.Repeat("t", minisignWriteMax+1))
		assert.False(t, ok)
		assert.Contains(t, out, "xfprintf() overflow")
	})
}

func TestInteropPackageSignsMinisignVerifies(t *testing.T) {
	m := needMinisign(t)
	pub, priv, err := minisign.GenerateKey(nil)
	require.NoError(t, err)
	pubText, err := pub.MarshalText()
	require.NoError(t, err)
	m.write("sift.pub", pubText)
	m.write("snapshot.sift", randomMessage(t, 3<<20+17))

	cases := []struct {
		name               string
		trusted, untrusted string
	}{
		{"feed and version", "feed=demo version=42", ""},
		{"default form", minisign.DefaultTrustedComment("snapshot.sift", time.Unix(1700000000, 0)), "sift"},
		{"empty trusted comment", "", ""},
		{"both comments at their limit", strings.Repeat("t", minisign.MaxTrustedComment), strings.Repeat("u", minisign.MaxUntrustedComment)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(m.path("snapshot.sift"))
			require.NoError(t, err)
			sig, err := minisign.Sign(priv, f, tc.trusted, tc.untrusted)
			require.NoError(t, f.Close())
			require.NoError(t, err)
			m.write("snapshot.sift.minisig", sig)

			// -H: only prehashed signatures; -Q: print the trusted comment only.
			out := m.mustRun("", "-V", "-H", "-Q", "-p", "sift.pub", "-m", "snapshot.sift")
			assert.Equal(t, tc.trusted+"\n", out)
			out = m.mustRun("", "-V", "-P", pub.String(), "-m", "snapshot.sift")
			assert.Contains(t, out, "Signature and comment signature verified")
		})
	}

	t.Run("minisign refuses what this package refuses", func(t *testing.T) {
		good, err := minisign.Sign(priv, bytes.NewReader(m.read("snapshot.sift")), "feed=demo version=42", "")
		require.NoError(t, err)
		tamperedComment := replaceLine(good, 3, "trusted comment: feed=demo version=43")
		longUntrusted := replaceLine(good, 1, "untrusted comment: "+strings.Repeat("u", minisign.MaxUntrustedComment+1))
		cases := []struct {
			name, sig, want string
		}{
			{"changed trusted comment", string(tamperedComment), "Comment signature verification failed"},
			{"untrusted comment over the limit", string(longUntrusted), "Untrusted signature comment too long"},
			{"trusted comment over the limit", string(overlongTrusted(t, priv, m.read("snapshot.sift"))), "Trusted comment too long"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m.write("snapshot.sift.minisig", []byte(tc.sig))
				out, ok := m.run("", "-V", "-p", "sift.pub", "-m", "snapshot.sift")
				assert.False(t, ok)
				assert.Contains(t, out, tc.want)
				_, _, err := m.verifyFile([]*minisign.PublicKey{pub}, "snapshot.sift")
				assert.Error(t, err)
			})
		}
	})
}

// overlongTrusted builds, by hand, a signature with a correctly signed
// trusted comment one byte over the limit (Sign refuses to).
func overlongTrusted(t *testing.T, priv *minisign.PrivateKey, msg []byte) []byte {
	t.Helper()
	text, err := priv.MarshalUnencrypted()
	require.NoError(t, err)
	bin, err := base64.StdEncoding.DecodeString(strings.Split(string(text), "\n")[1])
	require.NoError(t, err)
	sk := ed25519.PrivateKey(bin[54+8 : 54+8+64])
	digest := blake2b.Sum512(msg)
	sig := ed25519.Sign(sk, digest[:])
	comment := strings.Repeat("t", minisign.MaxTrustedComment+1)
	global := ed25519.Sign(sk, append(bytes.Clone(sig), comment...))
	head := append([]byte("ED"), binary.LittleEndian.AppendUint64(nil, uint64(priv.KeyID()))...)
	return []byte("untrusted comment: x\n" +
		base64.StdEncoding.EncodeToString(append(head, sig...)) + "\n" +
		"trusted comment: " + comment + "\n" +
		base64.StdEncoding.EncodeToString(global) + "\n")
}

func TestInteropKeysMadeHereSignWithMinisign(t *testing.T) {
	m := needMinisign(t)
	pub, priv, err := minisign.GenerateKey(nil)
	require.NoError(t, err)
	pubText, err := pub.MarshalText()
	require.NoError(t, err)
	m.write("sift.pub", pubText)
	m.write("snapshot.sift", randomMessage(t, 1<<20))
	keys := []*minisign.PublicKey{pub}

	t.Run("unencrypted", func(t *testing.T) {
		text, err := priv.MarshalUnencrypted()
		require.NoError(t, err)
		m.write("sift.key", text)
		m.mustRun("", "-S", "-s", "sift.key", "-m", "snapshot.sift", "-t", "signed by minisign with a key made here")
		comment, _, err := m.verifyFile(keys, "snapshot.sift")
		require.NoError(t, err)
		assert.Equal(t, "signed by minisign with a key made here", comment)
		m.mustRun("", "-V", "-H", "-p", "sift.pub", "-m", "snapshot.sift")

		// minisign -R recreates the public key file from the secret key.
		m.mustRun("", "-R", "-s", "sift.key", "-p", "recreated.pub")
		assertSamePublicKeyFile(t, m.read("recreated.pub"), pubText)
	})

	// Encrypted keys under limits that take each branch of libsodium's
	// pickparams: minisign (libsodium) decrypting them shows the port exact.
	params := []struct {
		name string
		p    minisign.ScryptParams
	}{
		{"INTERACTIVE: N=2^14 p=1", minisign.ScryptInteractive},
		{"ops below memory: N=2^10 p=1", minisign.ScryptParams{OpsLimit: 32768, MemLimit: 1 << 30}},
		{"ops above memory: N=2^14 p=2", minisign.ScryptParams{OpsLimit: 1 << 20, MemLimit: 1 << 24}},
		{"odd limits: N=2^14 p=5", minisign.ScryptParams{OpsLimit: 2621441, MemLimit: 16777217}},
	}
	// (SENSITIVE, the zero value, maps to N=2^20 p=1: TestPickParams, and
	// TestMinisignFixtures decrypts such a key written by minisign.)
	for _, tc := range params {
		t.Run("encrypted "+tc.name, func(t *testing.T) {
			text, err := priv.MarshalEncrypted([]byte("pässword"), tc.p)
			require.NoError(t, err)
			m.write("sift-enc.key", text)
			out, ok := m.run("wrong\n", "-S", "-s", "sift-enc.key", "-m", "snapshot.sift")
			assert.False(t, ok)
			assert.Contains(t, out, "Wrong password for that key")

			m.mustRun("pässword\n", "-S", "-s", "sift-enc.key", "-m", "snapshot.sift", "-t", tc.name)
			comment, _, err := m.verifyFile(keys, "snapshot.sift")
			require.NoError(t, err)
			assert.Equal(t, tc.name, comment)
		})
	}
	t.Run("encrypted with the empty password", func(t *testing.T) {
		text, err := priv.MarshalEncrypted([]byte{}, minisign.ScryptInteractive)
		require.NoError(t, err)
		m.write("sift-enc.key", text)
		m.mustRun("\n", "-S", "-s", "sift-enc.key", "-m", "snapshot.sift", "-t", "empty password")
		comment, _, err := m.verifyFile(keys, "snapshot.sift")
		require.NoError(t, err)
		assert.Equal(t, "empty password", comment)
	})
}

func TestInteropMinisignEncryptedKeys(t *testing.T) {
	m := needMinisign(t)
	if testing.Short() {
		t.Skip("-short: minisign encrypts with its default limits, and decrypting takes 1 GiB and seconds")
	}
	// One key: each costs 1 GiB and seconds. The empty password is
	// checked with a cheaper key in TestInteropKeysMadeHereSignWithMinisign.
	cases := []struct {
		name     string
		password string
	}{
		{"password", "correct horse battery staple"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pw := tc.password + "\n"
			m.mustRun(pw+pw, "-G", "-f", "-p", "enc.pub", "-s", "enc.key")
			pub := parsePub(t, m.read("enc.pub"))

			_, err := minisign.ParsePrivateKey(m.read("enc.key"), nil)
			assert.ErrorIs(t, err, minisign.ErrEncrypted)

			priv, err := minisign.ParsePrivateKey(m.read("enc.key"), []byte(tc.password))
			require.NoError(t, err)
			assert.True(t, priv.Public().Equal(pub))

			// And the decrypted key signs what minisign verifies.
			m.write("m.txt", []byte("decrypted here\n"))
			sig, err := minisign.Sign(priv, strings.NewReader("decrypted here\n"), "ok", "")
			require.NoError(t, err)
			m.write("m.txt.minisig", sig)
			assert.Equal(t, "ok\n", m.mustRun("", "-V", "-H", "-Q", "-p", "enc.pub", "-m", "m.txt"))
		})
	}
}
