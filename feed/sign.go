package feed

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sift-intel/sift/feed/minisign"
)

// Errors of signed snapshots and their refresh, to test with errors.Is.
// Each refusal leaves the last good snapshot answering.
var (
	ErrSignature    = errors.New("signature refused")             // not signed by a pinned key, tampered, legacy "Ed"
	ErrFeedMismatch = errors.New("another feed's snapshot")       // feed id differs from the one expected
	ErrRollback     = errors.New("older version refused")         // version below the current one: rollback or replay
	ErrExpired      = errors.New("expired snapshot refused")      // its expiry has passed
	ErrFuture       = errors.New("snapshot issued in the future") // beyond the clock-skew tolerance
)

// TrustedComment returns the trusted comment a snapshot's signature
// carries: "sift feed=<id> version=<n>". Verifiers require it to name the
// snapshot's own feed and version, so that a valid signature cannot be
// moved to another feed's file or an older one.
func TrustedComment(h Header) string {
	return "sift feed=" + h.FeedID + " version=" + strconv.FormatUint(h.Version, 10)
}

// parseTrustedComment reads the feed id and version from a trusted comment
// written by TrustedComment; other words in it are ignored, so publishers
// may add their own (minisign -t takes any text).
func parseTrustedComment(c string) (feed string, version uint64, err error) {
	f := strings.Fields(c)
	if len(f) == 0 || f[0] != "sift" {
		return "", 0, fmt.Errorf("%w: trusted comment %q does not start with \"sift\"", ErrSignature, c)
	}
	for _, w := range f[1:] {
		k, v, ok := strings.Cut(w, "=")
		switch {
		case !ok:
		case k == "feed":
			feed = v
		case k == "version":
			if version, err = strconv.ParseUint(v, 10, 64); err != nil {
				return "", 0, fmt.Errorf("%w: trusted comment %q: bad version", ErrSignature, c)
			}
		}
	}
	if feed == "" || version == 0 {
		return "", 0, fmt.Errorf("%w: trusted comment %q lacks feed= and version=", ErrSignature, c)
	}
	return feed, version, nil
}

// SignSnapshot returns the detached signature of a snapshot, with the
// trusted comment that names its feed and version.
func SignSnapshot(priv *minisign.PrivateKey, snapshot []byte) ([]byte, error) {
	h, err := ParseHeader(snapshot, int64(len(snapshot)))
	if err != nil {
		return nil, err
	}
	return minisign.Sign(priv, bytes.NewReader(snapshot), TrustedComment(h), "signature from sift secret key")
}

// VerifySnapshot checks a snapshot's bytes against its signature and the
// pinned keys before anything in the snapshot is read, then checks that
// the signed feed id and version are the header's. It returns the header.
func VerifySnapshot(keys []*minisign.PublicKey, snapshot, sig []byte) (Header, error) {
	if len(keys) == 0 {
		return Header{}, fmt.Errorf("%w: no public keys pinned", ErrSignature)
	}
	comment, _, err := minisign.Verify(keys, bytes.NewReader(snapshot), sig)
	if err != nil {
		return Header{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	feed, version, err := parseTrustedComment(comment)
	if err != nil {
		return Header{}, err
	}
	h, err := ParseHeader(snapshot, int64(len(snapshot)))
	if err != nil {
		return Header{}, err
	}
	if h.FeedID != feed || h.Version != version {
		return Header{}, fmt.Errorf("%w: the signature is for feed %s version %d, the file is feed %s version %d",
			ErrSignature, feed, version, h.FeedID, h.Version)
	}
	return h, nil
}
