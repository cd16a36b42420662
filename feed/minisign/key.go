package minisign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/scrypt"
)

// A PublicKey is a minisign public key: an Ed25519 public key and its key
// id. Make one with [ParsePublicKey], [ParsePublicKeyBase64],
// [GenerateKey] or [PrivateKey.Public]. It is immutable and may be shared
// between goroutines. The zero value is not a key: Verify never selects it.
type PublicKey struct {
	id  KeyID
	key ed25519.PublicKey // nil in the zero value
}

// KeyID returns the key's id.
func (k *PublicKey) KeyID() KeyID { return k.id }

// Ed25519 returns a copy of the Ed25519 public key.
func (k *PublicKey) Ed25519() ed25519.PublicKey { return bytes.Clone(k.key) }

// Equal reports whether k and x have the same key id and Ed25519 key. A nil
// x equals nothing.
func (k *PublicKey) Equal(x *PublicKey) bool {
	return x != nil && k.id == x.id && bytes.Equal(k.key, x.key)
}

// String returns the key in minisign's one-line form, the base64 text that
// minisign -P takes and that [ParsePublicKeyBase64] reads.
func (k *PublicKey) String() string {
	var bin [pubKeySize]byte
	k.encode(&bin)
	return b64.EncodeToString(bin[:])
}

func (k *PublicKey) encode(bin *[pubKeySize]byte) {
	copy(bin[:], algLegacy) // a public key's algorithm is "Ed" for both kinds of signature
	binary.LittleEndian.PutUint64(bin[2:], uint64(k.id))
	copy(bin[2+keyIDSize:], k.key)
}

// MarshalText returns the public key file, byte for byte as minisign -G
// writes it (minisign 0.11 omits the key id's leading zeros in the
// comment; see [KeyID.String]):
//
//	untrusted comment: minisign public key 3878052FCB2D6BF7
//	RWT3ay3LLwV4OL6auyEMoTmiWfg3C3hgl0G9KCTTKeTlHQSFPjTtAV6j
//
// It fails only for the zero PublicKey.
func (k *PublicKey) MarshalText() ([]byte, error) {
	if k.key == nil {
		return nil, errors.New("minisign: MarshalText of a zero PublicKey")
	}
	var bin [pubKeySize]byte
	k.encode(&bin)
	b := make([]byte, 0, 128)
	b = fmt.Appendf(b, "%sminisign public key %s\n", untrustedPrefix, k.id)
	return appendLine(b, bin[:]), nil
}

// ParsePublicKey parses a public key file: an untrusted comment line and a
// base64 line, each ended by a newline, at most [MaxKeySize] bytes. The
// comment is not interpreted. It refuses an Ed25519 key that is not a
// canonical encoding of a curve point or that is of small order (such keys
// would let anyone forge signatures; libsodium, hence minisign, refuses
// them too).
func ParsePublicKey(data []byte) (*PublicKey, error) {
	const what = "public key"
	var lines [2][]byte
	if err := splitLines(what, data, maxPublicSize, lines[:]); err != nil {
		return nil, err
	}
	if _, err := parseComment(what, 1, lines[0], untrustedPrefix, MaxUntrustedComment); err != nil {
		return nil, err
	}
	return parsePublicLine(what, 2, lines[1])
}

// ParsePublicKeyBase64 parses a public key in minisign's one-line form (what
// minisign -P takes, [PublicKey.String]), with no comment and no newline.
func ParsePublicKeyBase64(s string) (*PublicKey, error) {
	if len(s) != pubLineLen { // before copying s
		return nil, formatError("public key", 0, "%d characters, want %d of base64: %s", len(s), pubLineLen, quote([]byte(s[:min(len(s), 41)])))
	}
	return parsePublicLine("public key", 0, []byte(s))
}

func parsePublicLine(what string, lineNo int, line []byte) (*PublicKey, error) {
	var bin [pubKeySize]byte
	if err := decodeLine(what, lineNo, line, bin[:]); err != nil {
		return nil, err
	}
	if alg := string(bin[:2]); alg != algLegacy {
		return nil, formatError(what, lineNo, "algorithm %q, want %q", alg, algLegacy)
	}
	id := KeyID(binary.LittleEndian.Uint64(bin[2:]))
	if err := checkPoint((*[32]byte)(bin[2+keyIDSize:])); err != nil {
		return nil, formatError(what, lineNo, "key %s: %v", id, err)
	}
	return &PublicKey{id: id, key: bytes.Clone(bin[2+keyIDSize:])}, nil
}

// A PrivateKey is a minisign secret key. Make one with [GenerateKey] or
// [ParsePrivateKey]. It is immutable and may be shared between goroutines.
// Its String and GoString methods print the key id only, never the key.
// The zero value is not a key: Sign and the Marshal methods refuse it.
type PrivateKey struct {
	id  KeyID
	key ed25519.PrivateKey // seed || public key; nil in the zero value
}

// KeyID returns the key's id.
func (k *PrivateKey) KeyID() KeyID { return k.id }

// Public returns the matching public key.
func (k *PrivateKey) Public() *PublicKey {
	if k.key == nil {
		return &PublicKey{id: k.id}
	}
	return &PublicKey{id: k.id, key: bytes.Clone(k.key[32:])}
}

// String returns "minisign secret key" and the key id, never the key.
func (k *PrivateKey) String() string { return "minisign secret key " + k.id.String() }

// GoString is String, so that %#v does not print the key either.
func (k *PrivateKey) GoString() string { return k.String() }

// GenerateKey returns a new key pair: 8 bytes of key id, then a 32-byte
// Ed25519 seed, read in that order from random (crypto/rand when nil).
func GenerateKey(random io.Reader) (*PublicKey, *PrivateKey, error) {
	if random == nil {
		random = rand.Reader
	}
	var buf [keyIDSize + ed25519.SeedSize]byte
	if _, err := io.ReadFull(random, buf[:]); err != nil {
		return nil, nil, fmt.Errorf("minisign: generating a key: %w", err)
	}
	id := KeyID(binary.LittleEndian.Uint64(buf[:]))
	priv := &PrivateKey{id: id, key: ed25519.NewKeyFromSeed(buf[keyIDSize:])}
	return priv.Public(), priv, nil
}

// ScryptParams are the cost limits of libsodium's
// crypto_pwhash_scryptsalsa208sha256, which an encrypted minisign secret
// key stores and from which the scrypt parameters are derived (N, r = 8,
// p; libsodium's "pickparams", ported exactly). Derivation takes about
// MemLimit bytes of memory and time proportional to OpsLimit.
type ScryptParams struct {
	OpsLimit uint64
	MemLimit uint64
}

// Scrypt cost limits, libsodium's names.
var (
	// ScryptSensitive is what minisign uses: 1 GiB of memory and seconds
	// of work (N = 2^20, r = 8, p = 1). The zero ScryptParams means this.
	ScryptSensitive = ScryptParams{OpsLimit: 33554432, MemLimit: 1073741824}

	// ScryptInteractive costs 16 MiB and tens of milliseconds (N = 2^14,
	// r = 8, p = 1): for tests, or keys that also sit on an encrypted
	// disk. minisign reads such keys.
	ScryptInteractive = ScryptParams{OpsLimit: 524288, MemLimit: 16777216}
)

// Bounds on the limits. Writing accepts libsodium's range, MIN to
// SENSITIVE (minisign halves both from SENSITIVE while memory allocation
// fails, and gives up below MIN). Reading accepts anything up to SENSITIVE,
// which bounds the memory a key file can make ParsePrivateKey allocate to
// about 1 GiB; the variables are lowered by the fuzz tests.
const (
	scryptOpsMin = 32768
	scryptMemMin = 16777216
)

var (
	readOpsLimit uint64 = 33554432
	readMemLimit uint64 = 1073741824
)

// pickParams is libsodium's pickparams (crypto_pwhash_scryptsalsa208sha256,
// pwhash_scryptsalsa208sha256.c), line for line, with memlimit as a 64-bit
// size_t.
func pickParams(opslimit, memlimit uint64) (logN uint, r, p uint32) {
	if opslimit < 32768 {
		opslimit = 32768
	}
	r = 8
	if opslimit < memlimit/32 {
		p = 1
		maxN := opslimit / (uint64(r) * 4)
		for logN = 1; logN < 63; logN++ {
			if uint64(1)<<logN > maxN/2 {
				break
			}
		}
	} else {
		maxN := memlimit / (uint64(r) * 128)
		for logN = 1; logN < 63; logN++ {
			if uint64(1)<<logN > maxN/2 {
				break
			}
		}
		maxrp := (opslimit / 4) / (uint64(1) << logN)
		if maxrp > 0x3fffffff {
			maxrp = 0x3fffffff
		}
		p = uint32(maxrp) / r
	}
	return logN, r, p
}

// keystream derives the 104 bytes that encrypt key id, secret key and
// checksum. The limits must have been bounded by the caller.
func (s ScryptParams) keystream(password, salt []byte) ([]byte, error) {
	logN, r, p := pickParams(s.OpsLimit, s.MemLimit)
	if p == 0 {
		// libsodium would still run with p = 0; minisign never writes such
		// limits, and scrypt proper requires p ≥ 1.
		return nil, fmt.Errorf("scrypt opslimit %d and memlimit %d give p = 0", s.OpsLimit, s.MemLimit)
	}
	return scrypt.Key(password, salt, 1<<logN, int(r), int(p), secretTail)
}

// checksum returns BLAKE2b-256(sig_alg || key id || secret key).
func checksum(tail []byte) [32]byte {
	var msg [2 + keyIDSize + 64]byte
	copy(msg[:], algLegacy)
	copy(msg[2:], tail[:keyIDSize+64])
	return blake2b.Sum256(msg[:])
}

// MarshalUnencrypted returns the secret key file without encryption, the
// form minisign -G -W writes and minisign -S -s reads without asking for a
// password:
//
//	untrusted comment: minisign secret key
//	base64("Ed" "\0\0" "B2" salt(32, zero) opslimit(8, zero) memlimit(8, zero)
//	       key id(8) secret key(64) checksum(32))
//
// Unlike minisign 0.11, which leaves it zero, it fills in the checksum.
// Keep the result as secret as the key.
func (k *PrivateKey) MarshalUnencrypted() ([]byte, error) {
	if k.key == nil {
		return nil, errors.New("minisign: MarshalUnencrypted of a zero PrivateKey")
	}
	var bin [secretSize]byte
	k.encode(&bin, kdfNone)
	sum := checksum(bin[tailOffset:])
	copy(bin[tailOffset+keyIDSize+64:], sum[:])
	b := make([]byte, 0, 256)
	b = append(b, untrustedPrefix+"minisign secret key\n"...)
	return appendLine(b, bin[:]), nil
}

// MarshalEncrypted returns the secret key file encrypted with password,
// as minisign -G writes it: key id, secret key and checksum XORed with
// scrypt(password, random salt) under the given limits. The zero
// ScryptParams means [ScryptSensitive], minisign's own choice; each limit
// must lie in libsodium's range (OpsLimit 32768 to 33554432, MemLimit
// 16777216 to 1073741824).
func (k *PrivateKey) MarshalEncrypted(password []byte, params ScryptParams) ([]byte, error) {
	if k.key == nil {
		return nil, errors.New("minisign: MarshalEncrypted of a zero PrivateKey")
	}
	if params == (ScryptParams{}) {
		params = ScryptSensitive
	}
	if params.OpsLimit < scryptOpsMin || params.OpsLimit > ScryptSensitive.OpsLimit {
		return nil, fmt.Errorf("minisign: scrypt opslimit %d outside [%d, %d]", params.OpsLimit, scryptOpsMin, ScryptSensitive.OpsLimit)
	}
	if params.MemLimit < scryptMemMin || params.MemLimit > ScryptSensitive.MemLimit {
		return nil, fmt.Errorf("minisign: scrypt memlimit %d outside [%d, %d]", params.MemLimit, scryptMemMin, ScryptSensitive.MemLimit)
	}
	var bin [secretSize]byte
	k.encode(&bin, kdfScrypt)
	if _, err := io.ReadFull(rand.Reader, bin[saltOffset:opsOffset]); err != nil {
		return nil, fmt.Errorf("minisign: salt: %w", err)
	}
	binary.LittleEndian.PutUint64(bin[opsOffset:], params.OpsLimit)
	binary.LittleEndian.PutUint64(bin[memOffset:], params.MemLimit)
	sum := checksum(bin[tailOffset:])
	copy(bin[tailOffset+keyIDSize+64:], sum[:])
	stream, err := params.keystream(password, bin[saltOffset:opsOffset])
	if err != nil {
		return nil, fmt.Errorf("minisign: %w", err)
	}
	subtle.XORBytes(bin[tailOffset:], bin[tailOffset:], stream)
	b := make([]byte, 0, 256)
	b = append(b, untrustedPrefix+"minisign encrypted secret key\n"...)
	return appendLine(b, bin[:]), nil
}

func (k *PrivateKey) encode(bin *[secretSize]byte, kdf string) {
	copy(bin[0:], algLegacy)
	copy(bin[2:], kdf)
	copy(bin[4:], chkBlake2)
	binary.LittleEndian.PutUint64(bin[tailOffset:], uint64(k.id))
	copy(bin[tailOffset+keyIDSize:], k.key)
}

// ParsePrivateKey parses a secret key file: an untrusted comment line and a
// base64 line, each ended by a newline, at most [MaxKeySize] bytes.
//
// An unencrypted key (key derivation "\0\0", as minisign -G -W writes)
// needs no password; its checksum may be zero, as minisign 0.11 writes it,
// or correct. An encrypted key ("Sc") is decrypted with password: a nil
// password gives [ErrEncrypted] at once, without running scrypt; to decrypt
// a key protected by an empty password, which minisign allows, pass
// []byte{}. A wrong password gives [ErrPassword]. The key's scrypt limits
// must not exceed [ScryptSensitive] (what minisign writes), so derivation
// takes at most about 1 GiB of memory and a few seconds.
//
// In every case the Ed25519 secret key must hold the public key that its
// seed derives.
func ParsePrivateKey(data []byte, password []byte) (*PrivateKey, error) {
	const what = "secret key"
	var lines [2][]byte
	if err := splitLines(what, data, maxSecretKeySize, lines[:]); err != nil {
		return nil, err
	}
	if _, err := parseComment(what, 1, lines[0], untrustedPrefix, MaxUntrustedComment); err != nil {
		return nil, err
	}
	var bin [secretSize]byte
	if err := decodeLine(what, 2, lines[1], bin[:]); err != nil {
		return nil, err
	}
	if alg := string(bin[0:2]); alg != algLegacy {
		return nil, formatError(what, 2, "signature algorithm %q, want %q", alg, algLegacy)
	}
	if chk := string(bin[4:6]); chk != chkBlake2 {
		return nil, formatError(what, 2, "checksum algorithm %q, want %q", chk, chkBlake2)
	}
	tail := bin[tailOffset:]
	switch kdf := string(bin[2:4]); kdf {
	case kdfNone:
		sum := checksum(tail)
		stored := tail[keyIDSize+64:]
		var zero [32]byte
		if !bytes.Equal(stored, zero[:]) && subtle.ConstantTimeCompare(stored, sum[:]) != 1 {
			return nil, formatError(what, 2, "unencrypted key with a wrong checksum")
		}
	case kdfScrypt:
		if password == nil {
			return nil, fmt.Errorf("minisign: %w", ErrEncrypted)
		}
		params := ScryptParams{
			OpsLimit: binary.LittleEndian.Uint64(bin[opsOffset:]),
			MemLimit: binary.LittleEndian.Uint64(bin[memOffset:]),
		}
		if params.OpsLimit > readOpsLimit || params.MemLimit > readMemLimit {
			return nil, formatError(what, 2, "scrypt opslimit %d, memlimit %d: more than the %d, %d minisign writes",
				params.OpsLimit, params.MemLimit, readOpsLimit, readMemLimit)
		}
		stream, err := params.keystream(password, bin[saltOffset:opsOffset])
		if err != nil {
			return nil, formatError(what, 2, "%v", err)
		}
		subtle.XORBytes(tail, tail, stream)
		sum := checksum(tail)
		if subtle.ConstantTimeCompare(tail[keyIDSize+64:], sum[:]) != 1 {
			return nil, fmt.Errorf("minisign: %w", ErrPassword)
		}
	default:
		return nil, formatError(what, 2, "key derivation %q, want %q or %q", kdf, kdfScrypt, kdfNone)
	}
	sk := tail[keyIDSize : keyIDSize+64]
	key := ed25519.NewKeyFromSeed(sk[:32])
	if subtle.ConstantTimeCompare(key[32:], sk[32:]) != 1 {
		return nil, formatError(what, 2, "the secret key's public half does not match its seed")
	}
	return &PrivateKey{id: KeyID(binary.LittleEndian.Uint64(tail)), key: key}, nil
}

// Curve arithmetic for checkPoint, in math/big: it runs once per parsed
// public key, so clarity wins over speed.
var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	curveD = func() *big.Int { // -121665/121666 mod p
		d := new(big.Int).ModInverse(big.NewInt(121666), fieldP)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, fieldP)
	}()
)

// checkPoint reports why an Ed25519 public key encoding is unusable: not
// canonical (y ≥ p, or x = 0 with the sign bit set), not on the curve, or
// of small order (a torsion point, which lets anyone forge signatures
// valid for many messages). libsodium's verification refuses the same keys.
func checkPoint(enc *[32]byte) error {
	var be [32]byte
	for i, c := range enc {
		be[31-i] = c
	}
	sign := be[0] >> 7
	be[0] &= 0x7f
	y := new(big.Int).SetBytes(be[:])
	if y.Cmp(fieldP) >= 0 {
		return errors.New("not a canonical point encoding")
	}
	// x² = (y² - 1) / (d·y² + 1)
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, fieldP)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Mul(curveD, y2)
	v.Add(v, big.NewInt(1))
	v.Mod(v, fieldP)
	vInv := new(big.Int).ModInverse(v, fieldP)
	if vInv == nil {
		return errors.New("not a point on the curve")
	}
	x2 := u.Mul(u, vInv)
	x2.Mod(x2, fieldP)
	x := new(big.Int).ModSqrt(x2, fieldP)
	if x == nil {
		return errors.New("not a point on the curve")
	}
	if x.Sign() == 0 && sign == 1 {
		return errors.New("not a canonical point encoding")
	}
	if x.Bit(0) != uint(sign) {
		x.Sub(fieldP, x)
	}
	// Small order means [8]P is the identity (0, 1).
	px, py := x, y
	for range 3 {
		px, py = edwardsAdd(px, py, px, py)
	}
	if px.Sign() == 0 && py.Cmp(big.NewInt(1)) == 0 {
		return errors.New("a point of small order")
	}
	return nil
}

// edwardsAdd adds two points of -x² + y² = 1 + d·x²·y² (complete formulas:
// the denominators never vanish on this curve).
func edwardsAdd(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	mod := func(z *big.Int) *big.Int { return z.Mod(z, fieldP) }
	x1y2 := mod(new(big.Int).Mul(x1, y2))
	y1x2 := mod(new(big.Int).Mul(y1, x2))
	x1x2 := mod(new(big.Int).Mul(x1, x2))
	y1y2 := mod(new(big.Int).Mul(y1, y2))
	dxy := mod(new(big.Int).Mul(curveD, mod(new(big.Int).Mul(x1x2, y1y2))))
	one := big.NewInt(1)
	nx := mod(new(big.Int).Add(x1y2, y1x2))
	dx := mod(new(big.Int).Add(one, dxy))
	ny := mod(new(big.Int).Add(y1y2, x1x2))
	dy := mod(new(big.Int).Sub(one, dxy))
	x3 := mod(nx.Mul(nx, new(big.Int).ModInverse(dx, fieldP)))
	y3 := mod(ny.Mul(ny, new(big.Int).ModInverse(dy, fieldP)))
	return x3, y3
}
