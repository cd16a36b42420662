package minisign

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"golang.org/x/crypto/blake2b"
)

// A Signature is a parsed minisign signature file. Make one with
// [ParseSignature]. It is immutable and may be shared between goroutines.
// Nothing in it is authenticated until [Signature.Verify] (or, for the
// trusted comment alone, [Signature.VerifyComment]) succeeds. The zero
// value verifies nothing.
type Signature struct {
	untrusted string
	keyID     KeyID
	sig       [64]byte
	trusted   string
	global    [globalSize]byte
}

// KeyID returns the key id the signature names. It only selects a key.
func (s *Signature) KeyID() KeyID { return s.keyID }

// TrustedComment returns the trusted comment, without its prefix. It is
// authentic only once Verify or VerifyComment has succeeded.
func (s *Signature) TrustedComment() string { return s.trusted }

// UntrustedComment returns the untrusted comment, without its prefix.
// Anyone can change it without invalidating the signature: display it at
// most, never act on it.
func (s *Signature) UntrustedComment() string { return s.untrusted }

// MarshalText returns the signature file. For a signature from
// ParseSignature it returns the parsed bytes exactly: each signature has
// one spelling.
func (s *Signature) MarshalText() ([]byte, error) {
	var bin [sigSize]byte
	copy(bin[:], algHashed)
	binary.LittleEndian.PutUint64(bin[2:], uint64(s.keyID))
	copy(bin[2+keyIDSize:], s.sig[:])
	n := len(untrustedPrefix) + len(s.untrusted) + 1 + sigLineLen + 1 +
		len(trustedPrefix) + len(s.trusted) + 1 + globalLineLen + 1
	b := make([]byte, 0, n)
	b = append(b, untrustedPrefix...)
	b = append(b, s.untrusted...)
	b = append(b, '\n')
	b = appendLine(b, bin[:])
	b = append(b, trustedPrefix...)
	b = append(b, s.trusted...)
	b = append(b, '\n')
	return appendLine(b, s.global[:]), nil
}

// ParseSignature parses a signature file: exactly four lines, each ended by
// a newline, at most [MaxSignatureSize] bytes:
//
//	untrusted comment: <at most 1003 bytes>
//	base64("ED" key_id(8) signature(64))
//	trusted comment: <at most 8173 bytes>
//	base64(global_signature(64))
//
// It refuses carriage returns and NUL bytes anywhere, base64 that is not
// in its one canonical form, and wrong lengths, with [ErrFormat]; a
// well-formed legacy ("Ed") signature with [ErrLegacy]. Nothing is
// allocated from lengths in the input.
func ParseSignature(data []byte) (*Signature, error) {
	const what = "signature"
	var lines [4][]byte
	if err := splitLines(what, data, MaxSignatureSize, lines[:]); err != nil {
		return nil, err
	}
	s := new(Signature)
	var err error
	if s.untrusted, err = parseComment(what, 1, lines[0], untrustedPrefix, MaxUntrustedComment); err != nil {
		return nil, err
	}
	var bin [sigSize]byte
	if err := decodeLine(what, 2, lines[1], bin[:]); err != nil {
		return nil, err
	}
	if s.trusted, err = parseComment(what, 3, lines[2], trustedPrefix, MaxTrustedComment); err != nil {
		return nil, err
	}
	if err := decodeLine(what, 4, lines[3], s.global[:]); err != nil {
		return nil, err
	}
	s.keyID = KeyID(binary.LittleEndian.Uint64(bin[2:]))
	copy(s.sig[:], bin[2+keyIDSize:])
	switch alg := string(bin[:2]); alg {
	case algHashed:
		return s, nil
	case algLegacy:
		return nil, fmt.Errorf("minisign: signature by key %s: %w: algorithm %q; only prehashed %q signatures are accepted",
			s.keyID, ErrLegacy, alg, algHashed)
	default:
		return nil, formatError(what, 2, "unknown signature algorithm %q, want %q", alg, algHashed)
	}
}

// Sign reads the message from r to its end, hashing it with BLAKE2b-512 as
// it goes (the message is never held in memory), and returns the signature
// file in the prehashed "ED" form that minisign -S writes by default.
//
// The trusted comment is signed, so a verifier can rely on it (a feed id
// and version, say); it is written as given, even empty (minisign -S puts
// [DefaultTrustedComment] there when -t is absent). The untrusted comment
// is not signed; an empty one becomes [DefaultUntrustedComment]. Neither
// may hold a newline, carriage return or NUL, or exceed
// [MaxTrustedComment] and [MaxUntrustedComment] bytes.
func Sign(priv *PrivateKey, r io.Reader, trustedComment, untrustedComment string) ([]byte, error) {
	if priv == nil || priv.key == nil {
		return nil, errors.New("minisign: Sign with a zero PrivateKey")
	}
	if untrustedComment == "" {
		untrustedComment = DefaultUntrustedComment
	}
	if err := checkComment("untrusted comment", untrustedComment, MaxUntrustedComment); err != nil {
		return nil, err
	}
	if err := checkComment("trusted comment", trustedComment, MaxTrustedComment); err != nil {
		return nil, err
	}
	digest, err := hashMessage(r)
	if err != nil {
		return nil, err
	}
	s := &Signature{untrusted: untrustedComment, keyID: priv.id, trusted: trustedComment}
	copy(s.sig[:], ed25519.Sign(priv.key, digest[:]))
	copy(s.global[:], ed25519.Sign(priv.key, s.globalMessage()))
	return s.MarshalText()
}

// DefaultTrustedComment returns the trusted comment minisign -S writes
// when given none: "timestamp:<unix seconds>\tfile:<name>\thashed". Pass
// the file's base name.
func DefaultTrustedComment(name string, t time.Time) string {
	return "timestamp:" + strconv.FormatInt(t.Unix(), 10) + "\tfile:" + name + "\thashed"
}

// Verify parses sig, reads the message from r to its end (hashing it as
// it goes) and verifies both signatures with the one of keys that the
// signature's key id selects. On success it returns the trusted comment,
// now authentic, and the key that verified; check in the comment what the
// caller relies on (feed id, version).
//
// The errors, in the order they are checked: [ErrFormat] or [ErrLegacy]
// from [ParseSignature]; an [*UnknownKeyError] when no key has the key id
// (r is not read); [ErrSignature] when the message does not verify;
// [ErrTrustedComment] when the trusted comment does not; or the error
// from reading r.
func Verify(keys []*PublicKey, r io.Reader, sig []byte) (trustedComment string, key *PublicKey, err error) {
	s, err := ParseSignature(sig)
	if err != nil {
		return "", nil, err
	}
	key, err = s.Verify(keys, r)
	if err != nil {
		return "", nil, err
	}
	return s.trusted, key, nil
}

// Verify is the package's Verify for a parsed signature: it returns the key
// that verified, and the trusted comment is then authentic.
//
// Keys may include nil and zero keys, which are skipped; several keys may
// share a key id (all are tried). The checks and errors are minisign's, in
// its order: first the signature over BLAKE2b-512 of the message, then the
// global signature over signature || trusted comment.
func (s *Signature) Verify(keys []*PublicKey, r io.Reader) (*PublicKey, error) {
	if !s.hasKey(keys) {
		return nil, &UnknownKeyError{KeyID: s.keyID}
	}
	digest, err := hashMessage(r)
	if err != nil {
		return nil, err
	}
	var key *PublicKey
	for _, k := range keys {
		if s.selects(k) && ed25519.Verify(k.key, digest[:], s.sig[:]) {
			key = k
			break
		}
	}
	if key == nil {
		return nil, fmt.Errorf("minisign: %w with key %s", ErrSignature, s.keyID)
	}
	if !ed25519.Verify(key.key, s.globalMessage(), s.global[:]) {
		return nil, fmt.Errorf("minisign: %w with key %s", ErrTrustedComment, s.keyID)
	}
	return key, nil
}

// VerifyComment verifies the global signature alone, which covers the
// trusted comment and the message's signature but not the message: it
// authenticates the trusted comment before the message is fetched (to
// refuse an old version without downloading it, say). It says nothing
// about any message; call Verify for that. The errors are
// [*UnknownKeyError] and [ErrTrustedComment].
func (s *Signature) VerifyComment(keys []*PublicKey) (*PublicKey, error) {
	if !s.hasKey(keys) {
		return nil, &UnknownKeyError{KeyID: s.keyID}
	}
	msg := s.globalMessage()
	for _, k := range keys {
		if s.selects(k) && ed25519.Verify(k.key, msg, s.global[:]) {
			return k, nil
		}
	}
	return nil, fmt.Errorf("minisign: %w with key %s", ErrTrustedComment, s.keyID)
}

func (s *Signature) selects(k *PublicKey) bool {
	return k != nil && k.key != nil && k.id == s.keyID
}

func (s *Signature) hasKey(keys []*PublicKey) bool {
	for _, k := range keys {
		if s.selects(k) {
			return true
		}
	}
	return false
}

// globalMessage returns signature || trusted comment.
func (s *Signature) globalMessage() []byte {
	msg := make([]byte, 0, len(s.sig)+len(s.trusted))
	msg = append(msg, s.sig[:]...)
	return append(msg, s.trusted...)
}

// hashMessage returns BLAKE2b-512 of everything r yields.
func hashMessage(r io.Reader) ([blake2b.Size]byte, error) {
	var digest [blake2b.Size]byte
	h, err := blake2b.New512(nil)
	if err != nil {
		panic(err) // unreachable: no key
	}
	if _, err := io.Copy(h, r); err != nil {
		return digest, fmt.Errorf("minisign: reading the message: %w", err)
	}
	h.Sum(digest[:0])
	return digest, nil
}
