package match

import (
	"time"

	"github.com/sift-intel/sift/bloom"
)

// SetClock sets the clock of b and of the Sets it builds, for tests.
func SetClock(b *Builder, now func() time.Time) { b.now = now }

// SetSetClock sets the clock of an opened Set, for tests.
func SetSetClock(s *Set, now func() time.Time) { s.clock = now }

// WithoutHashFilters returns a copy of s without the bloom filters in front
// of its hash indexes, for BenchmarkPrefilter.
func WithoutHashFilters(s *Set) *Set {
	c := *s
	c.blooms = [3]*bloom.Filter{}
	return &c
}
