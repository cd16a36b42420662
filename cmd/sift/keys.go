package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sift-intel/sift/feed"
	"github.com/sift-intel/sift/feed/minisign"
)

// cmdKeygen writes a key pair, as minisign -G does. Without -W the secret
// key is encrypted with a password read from stdin, twice (minisign reads
// it from the terminal).
func cmdKeygen(e *env, args []string) int {
	fs := e.flagSet("keygen", "[-W] [-f] -p PUB -s SEC")
	noPass := fs.Bool("W", false, "do not encrypt the secret key with a password")
	force := fs.Bool("f", false, "overwrite existing key files")
	pubPath := fs.String("p", "", "write the public key to `file`")
	secPath := fs.String("s", "", "write the secret key to `file`")
	if _, status, ok := parse(fs, args); !ok {
		return status
	}
	if *pubPath == "" || *secPath == "" {
		fs.Usage()
		return exitError
	}
	if !*force {
		for _, p := range []string{*pubPath, *secPath} {
			if _, err := os.Stat(p); err == nil {
				return e.errorf("%s exists; -f overwrites it", p)
			}
		}
	}
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return e.errorf("%v", err)
	}
	var sec []byte
	if *noPass {
		sec, err = priv.MarshalUnencrypted()
	} else {
		var pw []byte
		if pw, err = readPassword(e, true); err == nil {
			sec, err = priv.MarshalEncrypted(pw, minisign.ScryptSensitive)
		}
	}
	if err != nil {
		return e.errorf("%v", err)
	}
	pubText, err := pub.MarshalText()
	if err != nil {
		return e.errorf("%v", err)
	}
	if err := writeFileMode(*secPath, sec, 0o600); err != nil {
		return e.errorf("%v", err)
	}
	if err := writeFileMode(*pubPath, pubText, 0o644); err != nil {
		return e.errorf("%v", err)
	}
	fmt.Fprintf(e.stderr, "public key %s written to %s, secret key to %s\n", pub.KeyID(), *pubPath, *secPath)
	return exitClean
}

func writeFileMode(path string, data []byte, mode os.FileMode) error {
	if err := writeFileAtomic(path, data); err != nil {
		return err
	}
	return os.Chmod(path, mode)
}

// readPassword reads a password line from stdin; twice, to confirm, when
// creating a key.
func readPassword(e *env, confirm bool) ([]byte, error) {
	br := bufio.NewReader(e.stdin)
	read := func(prompt string) ([]byte, error) {
		fmt.Fprint(e.stderr, prompt)
		line, err := br.ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			return nil, errors.New("no password on stdin (-W writes a key without one)")
		}
		return []byte(strings.TrimRight(line, "\r\n")), nil
	}
	pw, err := read("Password: ")
	if err != nil {
		return nil, err
	}
	if confirm {
		again, err := read("Password (one more time): ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(pw, again) {
			return nil, errors.New("the passwords differ")
		}
	}
	return pw, nil
}

func loadPrivateKey(e *env, path string) (*minisign.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := minisign.ParsePrivateKey(data, nil)
	if errors.Is(err, minisign.ErrEncrypted) {
		pw, perr := readPassword(e, false)
		if perr != nil {
			return nil, perr
		}
		k, err = minisign.ParsePrivateKey(data, pw)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

func loadPublicKeys(paths []string) ([]*minisign.PublicKey, error) {
	var keys []*minisign.PublicKey
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		k, err := minisign.ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// cmdSign writes FILE.minisig, as minisign -S does. A sift snapshot gets
// the trusted comment that names its feed and version unless -t says
// otherwise; other files get minisign's default.
func cmdSign(e *env, args []string) int {
	fs := e.flagSet("sign", "-s SEC [-t COMMENT] [-x SIG] FILE")
	secPath := fs.String("s", "", "the secret key `file`")
	comment := fs.String("t", "", "the trusted `comment` (default: the feed and version of a snapshot, or minisign's)")
	sigPath := fs.String("x", "", "write the signature to `file` (default FILE.minisig)")
	files, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if *secPath == "" || len(files) != 1 {
		fs.Usage()
		return exitError
	}
	priv, err := loadPrivateKey(e, *secPath)
	if err != nil {
		return e.errorf("%v", err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		return e.errorf("%v", err)
	}
	tc := *comment
	if tc == "" {
		if h, herr := feed.ParseHeader(data, int64(len(data))); herr == nil {
			tc = feed.TrustedComment(h)
		} else if d, derr := feed.ParseDelta(data); derr == nil {
			tc = fmt.Sprintf("sift feed=%s version=%d from=%d", d.FeedID, d.To, d.From)
		} else {
			tc = minisign.DefaultTrustedComment(filepath.Base(files[0]), time.Now())
		}
	}
	sig, err := minisign.Sign(priv, bytes.NewReader(data), tc, "")
	if err != nil {
		return e.errorf("%v", err)
	}
	out := *sigPath
	if out == "" {
		out = files[0] + ".minisig"
	}
	if err := writeFileAtomic(out, sig); err != nil {
		return e.errorf("%v", err)
	}
	return exitClean
}

// cmdVerify checks FILE against FILE.minisig, as minisign -V does: exit 0
// when valid, 1 when not, 2 on usage errors.
func cmdVerify(e *env, args []string) int {
	fs := e.flagSet("verify", "-p PUB [-x SIG] FILE")
	var pubs listFlag
	fs.Var(&pubs, "p", "a public key `file` (repeatable)")
	sigPath := fs.String("x", "", "the signature `file` (default FILE.minisig)")
	quiet := fs.Bool("q", false, "print nothing")
	files, status, ok := parse(fs, args)
	if !ok {
		return status
	}
	if len(pubs) == 0 || len(files) != 1 {
		fs.Usage()
		return exitError
	}
	keys, err := loadPublicKeys(pubs)
	if err != nil {
		return e.errorf("%v", err)
	}
	sp := *sigPath
	if sp == "" {
		sp = files[0] + ".minisig"
	}
	sig, err := os.ReadFile(sp)
	if err != nil {
		return e.errorf("%v", err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		return e.errorf("%v", err)
	}
	defer f.Close()
	tc, key, err := minisign.Verify(keys, f, sig)
	if err != nil {
		if !*quiet {
			fmt.Fprintf(e.stderr, "sift: %s: signature verification failed: %v\n", files[0], err)
		}
		return exitMatched // 1: not valid
	}
	if !*quiet {
		fmt.Fprintf(e.stdout, "Signature and comment signature verified with key %s\nTrusted comment: %s\n", key.KeyID(), tc)
	}
	return exitClean
}
