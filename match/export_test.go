package match

import "time"

// SetClock sets the clock of b and of the Sets it builds, for tests.
func SetClock(b *Builder, now func() time.Time) { b.now = now }

// SetSetClock sets the clock of an opened Set, for tests.
func SetSetClock(s *Set, now func() time.Time) { s.clock = now }
