package feed

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"time"

	"github.com/sift-intel/sift/match"
)

// The snapshot format is specified in the package documentation
// ("Snapshot files").
const (
	snapshotMagic   = "siftsnap"
	snapshotFormat  = 1
	readerVersion   = 1 // the highest minimum reader version this code opens
	headerLen       = 256
	maxFeedIDLen    = 64
	maxKindCounts   = 16
	snapshotSetAt   = headerLen
	snapshotMaxSize = 1 << 40
)

var feedIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Header describes a snapshot.
type Header struct {
	FeedID  string    // [a-z0-9][a-z0-9._-]{0,63}
	Version uint64    // data version, rising with each publication
	Issued  time.Time // when the publisher built it
	Expires time.Time // after it, the feed is stale; zero: never
	// Counts holds the indicators per kind, as the publisher built them;
	// Encode fills it in.
	Counts map[match.Kind]int
	// MinReader is the lowest reader version that understands the file;
	// Encode writes 1.
	MinReader int
}

// Snapshot is an opened snapshot: its header and its Set. The Set uses the
// snapshot's bytes in place; when the bytes are a mapped file, they are
// unmapped once the Snapshot and its Set are unreachable.
type Snapshot struct {
	Header
	Set  *match.Set
	Size int64 // of the file
}

// Errors of snapshots, signatures and refreshes, to test with errors.Is.
var (
	ErrSnapshot = errors.New("invalid snapshot") // malformed header, sections or structures
	ErrUpgrade  = errors.New("snapshot needs a newer reader")
)

func snapshotError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSnapshot}, args...)...)
}

// Encode returns the snapshot of set with header h. It fills in h.Counts.
// Issued is taken as is (zero: now).
func Encode(h Header, set *match.Set) ([]byte, error) {
	if !feedIDPattern.MatchString(h.FeedID) {
		return nil, fmt.Errorf("feed id %q: want [a-z0-9][a-z0-9._-]{0,63}", h.FeedID)
	}
	if h.Version == 0 {
		return nil, errors.New("data version 0: versions start at 1")
	}
	if h.Issued.IsZero() {
		h.Issued = time.Now()
	}
	b := make([]byte, headerLen, headerLen+64)
	copy(b, snapshotMagic)
	binary.LittleEndian.PutUint16(b[8:], snapshotFormat)
	binary.LittleEndian.PutUint16(b[12:], 1)
	binary.LittleEndian.PutUint16(b[14:], headerLen)
	binary.LittleEndian.PutUint64(b[16:], h.Version)
	binary.LittleEndian.PutUint64(b[24:], uint64(h.Issued.Unix()))
	if !h.Expires.IsZero() {
		binary.LittleEndian.PutUint64(b[32:], uint64(h.Expires.Unix()))
	}
	copy(b[64:128], h.FeedID)
	n := 0
	for k := match.Kind(0); int(k) < maxKindCounts; k++ {
		if c := set.Count(k); c > 0 {
			n = int(k) + 1
		}
	}
	binary.LittleEndian.PutUint32(b[128:], uint32(n))
	for k := range n {
		binary.LittleEndian.PutUint64(b[136+8*k:], uint64(set.Count(match.Kind(k))))
	}
	b, err := set.AppendBinary(b)
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint64(b[40:], uint64(len(b)))
	binary.LittleEndian.PutUint64(b[48:], snapshotSetAt)
	binary.LittleEndian.PutUint64(b[56:], uint64(len(b)-snapshotSetAt))
	return b, nil
}

// ParseHeader reads a snapshot's header from its first bytes and checks it
// against the file size: magic, versions, lengths, the feed id. It reads
// nothing else, and allocates nothing from the counts it reads before
// checking them.
func ParseHeader(data []byte, size int64) (Header, error) {
	var h Header
	if len(data) < headerLen {
		return h, snapshotError("%d bytes, shorter than the %d-byte header", len(data), headerLen)
	}
	if string(data[:8]) != snapshotMagic {
		return h, snapshotError("bad magic %q", data[:8])
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != snapshotFormat {
		return h, fmt.Errorf("%w: format version %d", ErrUpgrade, v)
	}
	h.MinReader = int(binary.LittleEndian.Uint16(data[12:]))
	if h.MinReader > readerVersion {
		return h, fmt.Errorf("%w: the file needs reader version %d, this is %d", ErrUpgrade, h.MinReader, readerVersion)
	}
	if l := binary.LittleEndian.Uint16(data[14:]); l != headerLen {
		return h, snapshotError("header length %d", l)
	}
	h.Version = binary.LittleEndian.Uint64(data[16:])
	h.Issued = time.Unix(int64(binary.LittleEndian.Uint64(data[24:])), 0).UTC()
	if e := int64(binary.LittleEndian.Uint64(data[32:])); e != 0 {
		h.Expires = time.Unix(e, 0).UTC()
	}
	total := binary.LittleEndian.Uint64(data[40:])
	setAt := binary.LittleEndian.Uint64(data[48:])
	setLen := binary.LittleEndian.Uint64(data[56:])
	switch {
	case size >= 0 && total != uint64(size):
		return h, snapshotError("header declares %d bytes, the file has %d", total, size)
	case setAt != snapshotSetAt || setLen != total-setAt || total < setAt:
		return h, snapshotError("set at %d (%d bytes) does not fill the %d-byte file", setAt, setLen, total)
	case h.Version == 0:
		return h, snapshotError("data version 0")
	}
	id := data[64:128]
	n := 0
	for n < len(id) && id[n] != 0 {
		n++
	}
	for _, c := range id[n:] {
		if c != 0 {
			return h, snapshotError("feed id field has bytes after its end")
		}
	}
	h.FeedID = string(id[:n])
	if !feedIDPattern.MatchString(h.FeedID) {
		return h, snapshotError("feed id %q", h.FeedID)
	}
	nk := binary.LittleEndian.Uint32(data[128:])
	if nk > maxKindCounts {
		return h, snapshotError("%d kind counts, at most %d", nk, maxKindCounts)
	}
	h.Counts = map[match.Kind]int{}
	for k := range nk {
		if c := binary.LittleEndian.Uint64(data[136+8*k:]); c > 0 {
			if c > total {
				return h, snapshotError("count %d for %s exceeds the file size", c, match.Kind(k))
			}
			h.Counts[match.Kind(k)] = int(c)
		}
	}
	for _, b := range data[136+8*nk : headerLen] {
		if b != 0 {
			return h, snapshotError("non-zero padding in the header")
		}
	}
	return h, nil
}

// Open opens a snapshot held in data, which must stay unmodified while the
// Snapshot is in use. It checks the header and everything match.Open checks
// (every section offset and count against the size), and that the header's
// counts equal the Set's; lookups on the result never read out of bounds.
// Verify checks the rest.
func Open(data []byte) (*Snapshot, error) {
	h, err := ParseHeader(data, int64(len(data)))
	if err != nil {
		return nil, err
	}
	set, err := match.Open(data[snapshotSetAt:])
	if err != nil {
		return nil, snapshotError("%v", err)
	}
	for k := match.Kind(0); int(k) < maxKindCounts; k++ {
		if set.Count(k) != h.Counts[k] {
			return nil, snapshotError("header counts %d %s indicators, the set holds %d", h.Counts[k], k, set.Count(k))
		}
	}
	return &Snapshot{Header: h, Set: set, Size: int64(len(data))}, nil
}

// Verify checks every structure of the snapshot's Set fully; see
// match.Set.Verify. It takes time proportional to the size of the Set.
func (s *Snapshot) Verify() error {
	if err := s.Set.Verify(); err != nil {
		return snapshotError("%v", err)
	}
	return nil
}

// OpenFile opens the snapshot at path, mapping it into memory where the
// platform allows and reading it otherwise. The mapping is released when the
// Snapshot and its Set are no longer reachable. maxSize bounds the file (0:
// no bound); a larger one is refused with ErrTooLarge before anything is
// mapped or read.
func OpenFile(path string, maxSize int64) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if maxSize > 0 && fi.Size() > maxSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, the limit is %d", path, ErrTooLarge, fi.Size(), maxSize)
	}
	if fi.Size() > snapshotMaxSize || fi.Size() < headerLen {
		return nil, fmt.Errorf("%s: %w: %d bytes", path, ErrSnapshot, fi.Size())
	}
	data, unmap, err := mapFile(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s, err := Open(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if unmap != nil {
		// The Set reads the mapping; release it when the Set is gone,
		// never while a lookup may still be inside it.
		runtime.AddCleanup(s.Set, func(u func()) { u() }, unmap)
	}
	return s, nil
}
