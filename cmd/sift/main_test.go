package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sift runs the CLI in-process.
func sift(t *testing.T, stdin string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errb bytes.Buffer
	status = run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), status
}

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

// Real values from the demo feed's lists.
const (
	demoBlockIP   = "1.0.154.126"   // blocklist.de
	demoMonitorIP = "129.82.138.12" // maltrail mass scanner
)

func TestCheckDemo(t *testing.T) {
	out, _, status := sift(t, "", "check", demoBlockIP, demoMonitorIP, "192.0.2.1")
	assert.Equal(t, exitMatched, status)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.Equal(t, demoBlockIP+"\tblock\tip:"+demoBlockIP+"\tblocklist.de\tattacker\tmedium", lines[0])
	assert.Equal(t, demoMonitorIP+"\tmonitor\tip:"+demoMonitorIP+"\tmaltrail\tscanner\tlow", lines[1])
	assert.Equal(t, "192.0.2.1\tnone", lines[2])

	_, _, status = sift(t, "", "check", "192.0.2.1")
	assert.Equal(t, exitClean, status)
}

func TestCheckJSON(t *testing.T) {
	sha := firstDemoValue(t, "eset-sha256.txt")
	out, _, status := sift(t, "", "check", "--json", strings.ToUpper(sha), "junk!", "192.0.2.1")
	assert.Equal(t, exitError, status, "an unclassifiable value makes the status 2")
	objs := jsonLines(t, out)
	require.Len(t, objs, 3)
	assert.Equal(t, map[string]any{
		"input": strings.ToUpper(sha), "kind": "sha256", "verdict": "block", "matched": sha,
		"matched_kind": "sha256", "source": "eset", "category": "malware", "severity": "high",
	}, objs[0])
	assert.Equal(t, "junk!", objs[1]["input"])
	assert.Contains(t, objs[1]["error"], "not a domain, URL, IP address, e-mail address or hash")
	assert.NotContains(t, objs[1], "verdict")
	assert.Equal(t, map[string]any{"input": "192.0.2.1", "kind": "ip", "verdict": "none", "matched": ""}, objs[2])
}

func TestCheckStdin(t *testing.T) {
	out, _, status := sift(t, demoBlockIP+"\n\n192.0.2.1\r\n", "check", "--json", "-")
	assert.Equal(t, exitMatched, status)
	objs := jsonLines(t, out)
	require.Len(t, objs, 2)
	assert.Equal(t, "block", objs[0]["verdict"])
	assert.Equal(t, "192.0.2.1", objs[1]["input"])

	out, _, _ = sift(t, demoBlockIP+"\n", "check")
	assert.Contains(t, out, "block")
}

func TestCheckErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		err  string
	}{
		{"prefix", []string{"check", "10.0.0.0/8"}, "a prefix cannot be checked"},
		{"zone", []string{"check", "fe80::1%eth0"}, "not a domain, URL, IP address, e-mail address or hash"},
		{"forced kind mismatch", []string{"check", "ip:44d88612fea8a8f36de82e1278abb02f"}, "not a valid ip"},
		{"missing feed", []string{"check", "--feed", "/nonexistent/feed.txt", "1.2.3.4"}, "no such file"},
		{"unknown flag", []string{"check", "--bogus", "1.2.3.4"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, status := sift(t, "", c.args...)
			assert.Equal(t, exitError, status)
			assert.Contains(t, stderr, c.err)
		})
	}
}

func TestUsage(t *testing.T) {
	_, stderr, status := sift(t, "")
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "usage: sift")
	_, stderr, status = sift(t, "", "frobnicate")
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, `unknown command "frobnicate"`)
	out, _, status := sift(t, "", "help")
	assert.Equal(t, exitClean, status)
	assert.Contains(t, out, "compile")
}

func TestCompileAndCheck(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.txt")
	require.NoError(t, os.WriteFile(src, []byte("# my feed\n203.0.113.0/24\n198.51.100.7\n192.0.2.1:80\nnot-hex-zz\n"), 0o644))
	allow := filepath.Join(dir, "allow.txt")
	require.NoError(t, os.WriteFile(allow, []byte("203.0.113.9\n"), 0o644))
	out := filepath.Join(dir, "out.sift")

	_, stderr, status := sift(t, "", "compile", "-o", out, "--allow", allow, src)
	require.Equal(t, exitClean, status, stderr)
	assert.Contains(t, stderr, "bad.txt: 2 indicators (cidr 1, ip 1); 2 lines skipped")
	assert.Contains(t, stderr, src+":4: skipped: ip:port entries are not loaded")
	assert.Contains(t, stderr, "wrote "+out+": feed out version ")
	assert.Contains(t, stderr, ", 3 indicators, ")

	stdout, _, status := sift(t, "", "check", "--feed", out, "--json", "203.0.113.5", "203.0.113.9", "198.51.100.7", "198.51.100.8")
	assert.Equal(t, exitMatched, status)
	objs := jsonLines(t, stdout)
	require.Len(t, objs, 4)
	assert.Equal(t, []any{"block", "allow", "block", "none"}, []any{objs[0]["verdict"], objs[1]["verdict"], objs[2]["verdict"], objs[3]["verdict"]})
	assert.Equal(t, "203.0.113.0/24", objs[0]["matched"])
	assert.Equal(t, "bad", objs[0]["source"])

	// A source file and a compiled set together.
	extra := filepath.Join(dir, "extra.txt")
	require.NoError(t, os.WriteFile(extra, []byte("198.51.100.8\n"), 0o644))
	stdout, _, status = sift(t, "", "check", "--feed", out, "--feed", extra, "198.51.100.8", "203.0.113.9")
	assert.Equal(t, exitMatched, status)
	assert.Contains(t, stdout, "198.51.100.8\tblock")
	assert.Contains(t, stdout, "203.0.113.9\tallow")
}

func TestCompileErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("# nothing\n"), 0o644))
	_, stderr, status := sift(t, "", "compile", "-o", filepath.Join(dir, "x.sift"), empty)
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "empty.txt: no indicators")
	_, err := os.Stat(filepath.Join(dir, "x.sift"))
	assert.True(t, os.IsNotExist(err), "nothing written on failure")

	_, _, status = sift(t, "", "compile", empty)
	assert.Equal(t, exitError, status, "-o is required")
}

func TestCorruptSetRefused(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.txt")
	require.NoError(t, os.WriteFile(src, []byte("10.0.0.1\n"), 0o644))
	out := filepath.Join(dir, "a.sift")
	_, _, status := sift(t, "", "compile", "-o", out, src)
	require.Equal(t, exitClean, status)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(out, data[:len(data)-3], 0o644))
	_, stderr, status := sift(t, "", "check", "--feed", out, "10.0.0.1")
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "invalid snapshot")
}

// TestBinary runs the real binary once, for what only a process shows:
// the exit status.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sift")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	for _, c := range []struct {
		args   []string
		status int
	}{
		{[]string{"check", "192.0.2.1"}, 0},
		{[]string{"check", demoBlockIP}, 1},
		{[]string{"check", "nonsense!"}, 2},
	} {
		err := exec.Command(bin, c.args...).Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		assert.Equal(t, c.status, code, "%v", c.args)
	}
}

func firstDemoValue(t *testing.T, file string) string {
	t.Helper()
	data, err := demoFiles.ReadFile("demo/" + file)
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && line[0] != '#' {
			return strings.ToLower(line)
		}
	}
	t.Fatal("no value")
	return ""
}

func TestCheckDomainsAndURLs(t *testing.T) {
	dom := firstDemoValue(t, "urlhaus-domains.txt")
	out, _, status := sift(t, "", "check", "--json", dom, "www."+dom, "http://"+dom+"/any/path", "example.com", "https://example.com/")
	assert.Equal(t, exitMatched, status)
	objs := jsonLines(t, out)
	require.Len(t, objs, 5)
	for i, want := range []struct{ kind, verdict, matched string }{
		{"domain", "block", dom},
		{"domain", "block", dom},
		{"url", "block", dom},
		{"domain", "none", ""},
		{"url", "none", ""},
	} {
		assert.Equal(t, want.kind, objs[i]["kind"], "%d", i)
		assert.Equal(t, want.verdict, objs[i]["verdict"], "%d", i)
		assert.Equal(t, want.matched, objs[i]["matched"], "%d", i)
	}
	assert.Equal(t, "urlhaus", objs[0]["source"])

	u := firstDemoValue(t, "phishtank-urls.txt")
	out, _, status = sift(t, "", "check", u)
	assert.Equal(t, exitMatched, status)
	assert.Contains(t, out, "\tblock\turl:")
	assert.Contains(t, out, "phishtank\tphishing\thigh")
}

func TestCanon(t *testing.T) {
	out, _, status := sift(t, "", "canon", "http://3279880203/blah", "www.google.com/")
	assert.Equal(t, exitClean, status)
	assert.Equal(t, "http://195.127.0.11/blah\nhttp://www.google.com/\n", out)

	out, _, status = sift(t, "", "canon", "--json", "http://a.b.c/1/2.html?param=1", "http://[::1%eth0]/")
	assert.Equal(t, exitError, status)
	objs := jsonLines(t, out)
	require.Len(t, objs, 2)
	assert.Equal(t, "http://a.b.c/1/2.html?param=1", objs[0]["canonical"])
	assert.Equal(t, []any{"a.b.c/1/2.html?param=1", "a.b.c/1/2.html", "a.b.c/", "a.b.c/1/",
		"b.c/1/2.html?param=1", "b.c/1/2.html", "b.c/", "b.c/1/"}, objs[0]["expressions"])
	assert.Contains(t, objs[1]["error"], "zone")
	assert.NotContains(t, objs[1], "canonical")

	out, _, _ = sift(t, "", "canon", "--expressions", "http://a.b/c")
	assert.Equal(t, "http://a.b/c\n\ta.b/c\n\ta.b/\n", out)

	out, _, _ = sift(t, "http://A.B/\n", "canon", "-")
	assert.Equal(t, "http://a.b/\n", out)
}

func TestScanCommand(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "pats.txt")
	require.NoError(t, os.WriteFile(src, []byte("hex:4D 5A 90 00\npattern:powershell -enc\nipattern:mimikatz\n"), 0o644))
	data := filepath.Join(dir, "sample.bin")
	// The first pattern straddles the 256 KiB chunk boundary of the scan.
	payload := append(bytes.Repeat([]byte{'.'}, 256<<10-2), []byte("MZ\x90\x00 then powershell -enc AAA and MimiKatz")...)
	require.NoError(t, os.WriteFile(data, payload, 0o644))
	out, _, status := sift(t, "", "scan", "--feed", src, "--json", data)
	assert.Equal(t, exitMatched, status)
	objs := jsonLines(t, out)
	require.Len(t, objs, 3)
	assert.Equal(t, float64(256<<10-2), objs[0]["offset"])
	assert.Equal(t, "hex:4d5a9000", objs[0]["pattern"])
	assert.Equal(t, "pattern:powershell -enc", objs[1]["pattern"])
	assert.Equal(t, "ipattern:mimikatz", objs[2]["pattern"])
	assert.Equal(t, "block", objs[2]["verdict"])
	assert.Equal(t, "pats", objs[2]["source"])

	out, _, status = sift(t, "nothing here", "scan", "--feed", src, "-")
	assert.Equal(t, exitClean, status)
	assert.Empty(t, out)
	_, _, status = sift(t, "", "scan", "--feed", src, filepath.Join(dir, "missing"))
	assert.Equal(t, exitError, status)
	// The demo feed's User-Agent patterns.
	out, _, status = sift(t, "", "check", "ua:sqlmap/1.7.2#stable (https://sqlmap.org)")
	assert.Equal(t, exitMatched, status)
	assert.Contains(t, out, "monitor\tuseragent:sqlmap")
}

func TestFormatFlag(t *testing.T) {
	dir := t.TempDir()
	// A hosts file that detection would read as hosts anyway, and a
	// maltrail-like list given as plain list explicitly.
	src := filepath.Join(dir, "f.txt")
	require.NoError(t, os.WriteFile(src, []byte("0.0.0.0 evil.example\n0.0.0.0 bad.example\n"), 0o644))
	out := filepath.Join(dir, "f.sift")
	_, stderr, status := sift(t, "", "compile", "-o", out, "--format", "hosts", src)
	require.Equal(t, exitClean, status, stderr)
	assert.Contains(t, stderr, "2 indicators (domain 2)")
	_, stderr, status = sift(t, "", "compile", "-o", out, "--format", "list", src)
	assert.Equal(t, exitError, status, "as a plain list, every line has text after the value")
	assert.Contains(t, stderr, "no indicators")
	_, stderr, status = sift(t, "", "compile", "-o", out, "--format", "nonsense", src)
	assert.Equal(t, exitError, status)
	assert.Contains(t, stderr, "nonsense")
}
