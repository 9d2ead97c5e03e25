package core

import (
	"math/rand/v2"
	"time"
)

// jitterFraction is the largest share of a background fetch delay drawn
// at random: each periodic refresh comes up to 20% early, and each retry
// after a failure up to 20% late, so that replicas started together (a
// deploy) stop fetching together after their first fetch. 20% spreads a
// one-hour schedule over 12 minutes at the cost of about 11% more fetches
// than a fixed period.
const jitterFraction = 0.2

// refreshDelay is how long after a good fetch the next periodic one is
// due: the answer's freshness lifetime when it gives one, clamped to
// [floor, interval], else interval; less u × jitterFraction of it, u
// uniform in [0, 1). Coming early never outlives what the answer allows.
func refreshDelay(f freshness, floor, interval time.Duration, u float64) time.Duration {
	d := interval
	if f.known {
		d = min(max(f.lifetime, floor), interval)
	}
	return d - time.Duration(u*jitterFraction*float64(d))
}

// retryDelay is how long after the start of a failed attempt the loop
// tries again: minInterval (the rate limit) plus u × jitterFraction of it.
func retryDelay(minInterval time.Duration, u float64) time.Duration {
	return minInterval + time.Duration(u*jitterFraction*float64(minInterval))
}

// loopTimer is the timer of the background loop: a *time.Timer, or in
// tests one driven by the test clock.
type loopTimer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// stdTimer is a loopTimer on a *time.Timer.
type stdTimer struct{ t *time.Timer }

func newStdTimer(d time.Duration) loopTimer { return stdTimer{time.NewTimer(d)} }

func (s stdTimer) C() <-chan time.Time   { return s.t.C }
func (s stdTimer) Reset(d time.Duration) { s.t.Reset(d) }
func (s stdTimer) Stop()                 { s.t.Stop() }

// defaultRandom is the random source of the jitter: uniform in [0, 1),
// safe for concurrent use. Tests inject a seeded one.
func defaultRandom() float64 { return rand.Float64() }
