package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedFeed compiles a snapshot in dir and returns its path and the key
// files.
func signedFeed(t *testing.T, dir string) (snap, pub, sec string) {
	t.Helper()
	src := filepath.Join(dir, "feed.txt")
	require.NoError(t, os.WriteFile(src, []byte("203.0.113.0/24\nevil.example\n"), 0o644))
	snap = filepath.Join(dir, "demo.sift")
	_, stderr, status := sift(t, "", "compile", "-o", snap, "--feed-id", "demo", "--version", "5", "--expires", "168h", src)
	require.Equal(t, exitClean, status, stderr)
	pub, sec = filepath.Join(dir, "key.pub"), filepath.Join(dir, "key.sec")
	_, stderr, status = sift(t, "", "keygen", "-W", "-p", pub, "-s", sec)
	require.Equal(t, exitClean, status, stderr)
	_, stderr, status = sift(t, "", "sign", "-s", sec, snap)
	require.Equal(t, exitClean, status, stderr)
	return snap, pub, sec
}

func TestKeygenSignVerifyCheck(t *testing.T) {
	dir := t.TempDir()
	snap, pub, _ := signedFeed(t, dir)

	out, _, status := sift(t, "", "verify", "-p", pub, snap)
	assert.Equal(t, exitClean, status)
	assert.Contains(t, out, "Trusted comment: sift feed=demo version=5")

	out, _, status = sift(t, "", "check", "--feed", snap, "--pubkey", pub, "www.evil.example")
	assert.Equal(t, exitMatched, status)
	assert.Contains(t, out, "block\tdomain:evil.example")

	// Tampered snapshot: verify exits 1, check refuses it with 2.
	data, err := os.ReadFile(snap)
	require.NoError(t, err)
	data[len(data)-1] ^= 1
	require.NoError(t, os.WriteFile(snap, data, 0o644))
	_, stderr, status := sift(t, "", "verify", "-p", pub, snap)
	assert.Equal(t, exitMatched, status)
	assert.Contains(t, stderr, "signature verification failed")
	_, stderr, status = sift(t, "", "check", "--feed", snap, "--pubkey", pub, "evil.example")
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "signature refused")

	// Another key: refused.
	other := filepath.Join(dir, "other.pub")
	_, _, status = sift(t, "", "keygen", "-W", "-p", other, "-s", filepath.Join(dir, "other.sec"))
	require.Equal(t, exitClean, status)
	_, _, status = sift(t, "", "verify", "-p", other, snap)
	assert.Equal(t, exitMatched, status)

	_, _, status = sift(t, "", "verify", snap)
	assert.Equal(t, exitError, status, "usage error without -p")
}

func TestKeygenEncrypted(t *testing.T) {
	if testing.Short() {
		t.Skip("scrypt with minisign's parameters takes 1 GiB and seconds")
	}
	dir := t.TempDir()
	pub, sec := filepath.Join(dir, "k.pub"), filepath.Join(dir, "k.sec")
	_, stderr, status := sift(t, "pw\npw\n", "keygen", "-p", pub, "-s", sec)
	require.Equal(t, exitClean, status, stderr)
	f := filepath.Join(dir, "msg")
	require.NoError(t, os.WriteFile(f, []byte("hello"), 0o644))
	_, stderr, status = sift(t, "wrong\n", "sign", "-s", sec, f)
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "password")
	_, stderr, status = sift(t, "pw\n", "sign", "-s", sec, f)
	require.Equal(t, exitClean, status, stderr)
	_, _, status = sift(t, "", "verify", "-p", pub, f)
	assert.Equal(t, exitClean, status)
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	snap, pub, _ := signedFeed(t, dir)
	out, _, status := sift(t, "", "inspect", "-p", pub, snap)
	require.Equal(t, exitClean, status)
	for _, want := range []string{"feed:       demo", "version:    5", "indicators: 2", "cidr", "domain", "records", "structure:  verified", "signature:  valid"} {
		assert.Contains(t, out, want)
	}
	out, _, _ = sift(t, "", "inspect", snap)
	assert.Contains(t, out, "not checked")
}

func TestDeltaCompile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f.txt")
	require.NoError(t, os.WriteFile(src, []byte("10.0.0.1\n"), 0o644))
	v1 := filepath.Join(dir, "v1.sift")
	_, _, status := sift(t, "", "compile", "-o", v1, "--feed-id", "f", "--version", "1", src)
	require.Equal(t, exitClean, status)
	require.NoError(t, os.WriteFile(src, []byte("10.0.0.1\n10.0.0.2\n"), 0o644))
	v2 := filepath.Join(dir, "v2.sift")
	_, stderr, status := sift(t, "", "compile", "-o", v2, "--feed-id", "f", "--version", "2", "--delta-from", v1, src)
	require.Equal(t, exitClean, status, stderr)
	assert.Contains(t, stderr, "version 1 to 2, 0 removed, 1 added")
	_, err := os.Stat(v2 + ".delta")
	assert.NoError(t, err)
	_, stderr, status = sift(t, "", "compile", "-o", filepath.Join(dir, "v0.sift"), "--feed-id", "f", "--version", "1", "--delta-from", v2, src)
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "version")
}

// TestMinisignInterop runs Debian's minisign: a snapshot signed with
// minisign -S passes sift check --pubkey; one signed by sift passes
// minisign -V.
func TestMinisignInterop(t *testing.T) {
	bin, err := exec.LookPath("minisign")
	if err != nil {
		t.Skip("minisign is not installed (apt-get install minisign; .ci/run installs it)")
	}
	dir := t.TempDir()
	snap, pub, sec := signedFeed(t, dir)
	out, err := exec.Command(bin, "-V", "-p", pub, "-m", snap).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "sift feed=demo version=5")

	mpub, msec := filepath.Join(dir, "m.pub"), filepath.Join(dir, "m.sec")
	out, err = exec.Command(bin, "-G", "-W", "-p", mpub, "-s", msec).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(bin, "-S", "-s", msec, "-m", snap, "-t", "sift feed=demo version=5").CombinedOutput()
	require.NoError(t, err, "%s", out)
	stdout, stderr, status := sift(t, "", "check", "--feed", snap, "--pubkey", mpub, "evil.example")
	assert.Equal(t, exitMatched, status, stderr)
	assert.Contains(t, stdout, "block")
	_, _, status = sift(t, "", "verify", "-p", mpub, snap)
	assert.Equal(t, exitClean, status)
	_ = sec
	// minisign's default trusted comment verifies as a file signature but
	// does not name the feed, so check refuses the snapshot.
	out, err = exec.Command(bin, "-S", "-s", msec, "-m", snap).CombinedOutput()
	require.NoError(t, err, "%s", out)
	_, stderr, status = sift(t, "", "check", "--feed", snap, "--pubkey", mpub, "evil.example")
	assert.Equal(t, exitError, status)
	assert.True(t, strings.Contains(stderr, "trusted comment"), stderr)
}
