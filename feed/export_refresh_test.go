package feed

import "time"

// SetClock sets a Config's clock, for tests.
func SetClock(c *Config, now func() time.Time) { c.now = now }

// SetPersistHook sets a function called before each step of keeping a
// snapshot on disk; an error stops there, as a crash would.
func SetPersistHook(c *Config, hook func(step string) error) { c.hook = hook }
