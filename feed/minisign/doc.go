// Package minisign signs and verifies files in the formats of minisign
// (https://jedisct1.github.io/minisign/): keys and detached signatures that
// the stock minisign tool reads and writes, so a publisher can sign sift
// snapshots with either and a host verifies them against pinned keys.
//
// The package doc is the specification; the formats are minisign's, the
// limits and refusals below are this package's.
//
// # Model
//
//	publisher: GenerateKey ─► PublicKey.MarshalText, PrivateKey.MarshalUnencrypted/MarshalEncrypted
//	           Sign(priv, message, trusted comment) ─► FILE.minisig
//	host:      ParsePublicKey ×n (pinned) ─┐
//	           FILE.minisig ─► ParseSignature ─► Signature.Verify(keys, message) ─► trusted comment
//
// A signature carries two Ed25519 signatures by the same key: one over
// BLAKE2b-512 of the message (algorithm "ED", prehashed), and a global one
// over that signature followed by the trusted comment. The trusted comment
// is therefore authentic once both verify: sift writes the feed id and
// version there, and checks them after Verify. The untrusted comment is
// not signed and means nothing. Messages are read through an io.Reader and
// hashed as they stream: a large snapshot is never held in memory.
//
// # Formats
//
// Every file is lines of text, each ended by "\n" (the last one too). A
// key id is 8 random bytes, stored little-endian; minisign prints it as
// the 64-bit number in 16 upper-case hex digits (see [KeyID]; minisign 0.11
// drops leading zeros). base64 is the standard alphabet with padding.
//
// Public key file (minisign.pub):
//
//	untrusted comment: minisign public key <KEYID>
//	base64("Ed" || key_id[8] || ed25519_public_key[32])
//
// Secret key file (minisign.key):
//
//	untrusted comment: <text>
//	base64("Ed" || kdf_alg[2] || "B2" || kdf_salt[32] || opslimit[8] || memlimit[8] ||
//	       key_id[8] || ed25519_secret_key[64] || checksum[32])
//
// where checksum = BLAKE2b-256("Ed" || key_id || ed25519_secret_key). With
// kdf_alg "Sc" the last 104 bytes are XORed with
// scrypt(password, kdf_salt) whose N, r, p libsodium derives from opslimit
// and memlimit (little-endian; crypto_pwhash_scryptsalsa208sha256). With
// kdf_alg "\x00\x00" (minisign -G -W) they are plain, and minisign 0.11
// leaves salt, limits and checksum zero.
//
// Signature file (FILE.minisig):
//
//	untrusted comment: <text>
//	base64("ED" || key_id[8] || ed25519(secret_key, BLAKE2b-512(message))[64])
//	trusted comment: <text>
//	base64(ed25519(secret_key, signature[64] || trusted_comment)[64])
//
// # Limits and refusals
//
//   - Comments: at most [MaxUntrustedComment] (1003) and
//     [MaxTrustedComment] (8173) bytes, the most minisign's fixed line
//     buffers read; no "\n", "\r" or NUL (minisign's C strings would cut a
//     comment at a NUL). Any other bytes, UTF-8 or not, are kept as they
//     are. (minisign -S itself writes trusted comments of at most 4077
//     bytes, a 4096-byte formatting buffer; minisign -V reads 8173.)
//   - Sizes: a signature file of more than [MaxSignatureSize] (9404) bytes,
//     a key file of more than [MaxKeySize] (1236), is refused before it is
//     read. Read files through io.LimitReader(f, Max…+1). Nothing is
//     allocated from a length in the input.
//   - Grammar: exactly the lines above, each "\n"-terminated; nothing
//     before or after; no carriage return anywhere (minisign on Unix never
//     writes one); base64 of exactly the right length and in its one
//     canonical spelling. minisign itself is laxer (it ignores what follows
//     the lines it reads); every file minisign writes parses here.
//   - Algorithms: only prehashed "ED" signatures. Legacy "Ed" signatures
//     (Ed25519 over the whole message, minisign -S -l) are refused with
//     [ErrLegacy], as minisign -V -H does.
//   - Public keys: an Ed25519 key that is not a canonical curve point or
//     is of small order is refused, as libsodium does when verifying.
//   - Secret keys: scrypt limits up to [ScryptSensitive] (minisign's
//     choice: 1 GiB of memory, seconds of work) are read; more are refused
//     before any work. Keys are written unencrypted, or encrypted with
//     limits from 32768/16 MiB up to ScryptSensitive ([ScryptInteractive]
//     costs 16 MiB, for tests).
//
// # Verification
//
// [Signature.Verify] takes the pinned keys; the signature's key id selects
// among them. It checks, in minisign's order: the key id names a pinned key
// ([*UnknownKeyError] otherwise, before the message is read); the
// signature over BLAKE2b-512(message) ([ErrSignature]); the global
// signature ([ErrTrustedComment]). Several pinned keys make rotation
// work: sign with the new key while hosts pin old and new. Malformed input
// gives [ErrFormat]. Every error message says what was wrong, quoting the
// input; no input makes this package panic.
//
// # Worked example
//
// A key with key id bytes "sift.doc" (KeyID 636F642E74666973) and the
// 32-byte seed "an example seed, never use it!!!" (see the package
// Example), its public key file:
//
//	untrusted comment: minisign public key 636F642E74666973
//	RWRzaWZ0LmRvY7nZRNiXUc+cqRWqJO1d1/QnV+Z094MOs3XGojydf2Ve
//
// and the signature of the 12-byte message "hello, sift\n" with trusted
// comment "feed=demo version=42", which minisign -V -H accepts:
//
//	untrusted comment: signature from minisign secret key
//	RURzaWZ0LmRvY2vQwmSvXV9ozzrZDQj/j454Mm/rrB8oI+qPeF4OWiqlXOiJWN9+t0ZybnJ08oRMu+3scPAwYGMtxPlM6jnhXww=
//	trusted comment: feed=demo version=42
//	wvlvYaTkxKY/gIu1IGKcWvM+zzwvv28qhYb4P4C9VMWAKmlO9+4ml4SFEph5ts6dq8b/fthyU4pQz/+bh4TtBg==
//
// The second line decodes to "ED", the key id bytes "sift.doc" and the
// 64-byte signature of BLAKE2b-512("hello, sift\n"); the fourth to the
// signature of those 64 bytes followed by "feed=demo version=42".
//
// # Concurrency
//
// Keys and signatures are immutable after they are made and may be used
// from any number of goroutines. The functions keep no state.
package minisign
