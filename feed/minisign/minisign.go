package minisign

import (
	"errors"
	"fmt"
	"strconv"
)

// Limits. minisign reads each line with fgets into a fixed buffer (1024
// bytes for an untrusted comment line, 8192 for a trusted comment line,
// the newline included), so longer comments do not verify there; this
// package refuses them when signing and when parsing.
const (
	// MaxUntrustedComment is the longest untrusted comment, in bytes,
	// without its "untrusted comment: " prefix.
	MaxUntrustedComment = 1024 - 1 - len(untrustedPrefix) - 1

	// MaxTrustedComment is the longest trusted comment, in bytes, without
	// its "trusted comment: " prefix.
	MaxTrustedComment = 8192 - 1 - len(trustedPrefix) - 1

	// MaxSignatureSize is the size of the longest signature file: both
	// comments at their maximum length.
	MaxSignatureSize = len(untrustedPrefix) + MaxUntrustedComment + 1 +
		sigLineLen + 1 +
		len(trustedPrefix) + MaxTrustedComment + 1 +
		globalLineLen + 1

	// MaxKeySize is the size of the longest key file, public or secret (a
	// secret key file with a comment of MaxUntrustedComment bytes).
	MaxKeySize = maxSecretKeySize
)

const (
	untrustedPrefix = "untrusted comment: "
	trustedPrefix   = "trusted comment: "

	algLegacy = "Ed" // Ed25519 over the message itself
	algHashed = "ED" // Ed25519 over BLAKE2b-512(message)
	kdfScrypt = "Sc"
	kdfNone   = "\x00\x00"
	chkBlake2 = "B2"

	// Binary sizes.
	keyIDSize     = 8
	pubKeySize    = 2 + keyIDSize + 32                  // alg, key id, Ed25519 public key
	sigSize       = 2 + keyIDSize + 64                  // alg, key id, signature
	globalSize    = 64                                  // signature over sig || trusted comment
	secretSize    = 2 + 2 + 2 + 32 + 8 + 8 + secretTail // algs, salt, limits, secret
	secretTail    = keyIDSize + 64 + 32                 // key id, Ed25519 secret key, checksum
	saltOffset    = 6                                   // where the scrypt salt starts
	opsOffset     = saltOffset + 32                     // opslimit, little-endian
	memOffset     = opsOffset + 8                       // memlimit, little-endian
	tailOffset    = memOffset + 8                       // key id, secret key, checksum
	pubLineLen    = (pubKeySize + 2) / 3 * 4            // 56
	sigLineLen    = (sigSize + 2) / 3 * 4               // 100
	globalLineLen = (globalSize + 2) / 3 * 4            // 88
	secretLineLen = (secretSize + 2) / 3 * 4            // 212
	maxLineBytes  = (secretLineLen/4)*3 + 3             // decode buffer for the longest base64 line
	maxPublicSize = len(untrustedPrefix) + MaxUntrustedComment + 1 + pubLineLen + 1

	maxSecretKeySize = len(untrustedPrefix) + MaxUntrustedComment + 1 + secretLineLen + 1
)

// DefaultUntrustedComment is what Sign writes when given no untrusted
// comment, as minisign does.
const DefaultUntrustedComment = "signature from minisign secret key"

// A KeyID is the random 64-bit number that names a key pair. Files store it
// as 8 bytes, little-endian; minisign prints the number in upper-case hex
// (String). It only selects among pinned keys: it is not authenticated, and
// anyone can put any key id in a signature file.
type KeyID uint64

// String returns the key id as minisign prints it: 16 upper-case hex
// digits, as in "untrusted comment: minisign public key 0878052FCB2D6BF7".
// (minisign 0.11, Debian bookworm's, prints no leading zeros:
// "878052FCB2D6BF7"; later versions print all 16 digits, as here.)
func (id KeyID) String() string { return fmt.Sprintf("%016X", uint64(id)) }

// Errors. Every error this package returns for bad input wraps one of these
// sentinels or is an [*UnknownKeyError]; test with [errors.Is] and
// [errors.As]. The messages quote what was wrong.
var (
	// ErrFormat reports text that is not in minisign's format: wrong line
	// structure, prefix, base64, length, algorithm, or a file or comment
	// over its limit.
	ErrFormat = errors.New("malformed")

	// ErrLegacy reports a well-formed legacy signature (algorithm "Ed",
	// Ed25519 over the whole message, from minisign -l). Only prehashed
	// "ED" signatures are accepted, as with minisign -V -H.
	ErrLegacy = errors.New("legacy (non-prehashed) signature refused")

	// ErrSignature reports a signature that does not verify: the message
	// is not the one that was signed, or the signature is not by the key
	// its key id names.
	ErrSignature = errors.New("signature verification failed")

	// ErrTrustedComment reports a global signature that does not verify:
	// the trusted comment (or the signature it is bound to) was changed.
	ErrTrustedComment = errors.New("trusted comment signature verification failed")

	// ErrEncrypted reports an encrypted secret key parsed without a
	// password (a nil one).
	ErrEncrypted = errors.New("secret key is encrypted: a password is needed")

	// ErrPassword reports an encrypted secret key whose checksum does not
	// match after decryption: a wrong password, or a damaged key.
	ErrPassword = errors.New("wrong password for that key")
)

// UnknownKeyError reports a signature whose key id names none of the keys
// it was verified with.
type UnknownKeyError struct {
	KeyID KeyID // the key id in the signature
}

func (e *UnknownKeyError) Error() string {
	return "minisign: signature key id " + e.KeyID.String() + " is not among the trusted keys"
}

// formatError returns an error wrapping ErrFormat. what names the input
// ("signature", "public key", "secret key"), line is 1-based or 0 for the
// whole input.
func formatError(what string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("minisign: %s: %w: line %d: %s", what, ErrFormat, line, msg)
	}
	return fmt.Errorf("minisign: %s: %w: %s", what, ErrFormat, msg)
}

// quote shortens b for an error message and quotes it.
func quote(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
