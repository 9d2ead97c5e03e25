// Package testclock is the one injectable clock of the project's tests: it
// moves only when told, so that tests of time rules never sleep.
package testclock

import (
	"sync"
	"time"
)

// Clock is a manual clock, safe for concurrent use. Pass its Now method
// where a func() time.Time is wanted (core.Config.Now).
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Clock set to start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
