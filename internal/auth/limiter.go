package auth

import (
	"container/list"
	"crypto/sha256"
	"math"
	"sync"
	"time"
)

// LimiterMaxKeys is how many keys a Limiter remembers at most. Each takes
// about 150 bytes, so a full limiter holds about 15 MB.
const LimiterMaxKeys = 100_000

// maxLimiterKeyLen is the longest key a Limiter stores as it is; longer keys are
// stored as their SHA-256, so a flood of long keys cannot use much memory.
const maxLimiterKeyLen = 64

// Limiter throttles events, such as sign-in attempts, per key, such as a
// client IP address or an email address. Each key has a token bucket that
// holds up to burst tokens and gains rate tokens every per; an event takes
// one token, and is refused when there is none. A refused event takes
// nothing.
//
// Memory is bounded: a Limiter remembers at most LimiterMaxKeys keys, and
// when it is full forgets the one least recently seen, whose bucket has
// most likely refilled anyway. Forgetting a key gives it a full bucket, so
// an attacker who can send that many distinct keys between two attempts
// escapes the limit for one key; pair a per-email limiter with a per-IP one
// and with the account Lockout.
//
// A Limiter is safe for concurrent use.
type Limiter struct {
	interval time.Duration    // time to gain one token
	tau      time.Duration    // (burst-1) intervals: how far ahead of now a key may run
	now      func() time.Time // the clock
	maxKeys  int

	mu   sync.Mutex
	keys map[string]*list.Element // values are *limiterEntry
	lru  *list.List               // most recently seen at the front
}

// limiterEntry is the state of one key in the manner of the generic cell
// rate algorithm: tat (theoretical arrival time) is when the bucket would
// be full again. An event is allowed when tat is at most tau ahead of now,
// and moves tat on by one interval.
type limiterEntry struct {
	key string
	tat time.Time
}

// NewLimiter returns a Limiter that allows burst events at once per key,
// then rate events every per, reading the time from now (time.Now if nil).
// For example NewLimiter(5, time.Minute, 10, now) allows 10 attempts at
// once, then one every 12 seconds. It panics if rate, per or burst is not
// positive.
func NewLimiter(rate int, per time.Duration, burst int, now func() time.Time) *Limiter {
	if rate <= 0 || per <= 0 || burst <= 0 {
		panic("auth: NewLimiter: rate, per and burst must be positive")
	}
	if now == nil {
		now = time.Now
	}
	interval := max(per/time.Duration(rate), 1)
	tau := time.Duration(math.MaxInt64)
	if int64(burst-1) <= math.MaxInt64/int64(interval) {
		tau = time.Duration(burst-1) * interval
	}
	return &Limiter{
		interval: interval,
		tau:      tau,
		now:      now,
		maxKeys:  LimiterMaxKeys,
		keys:     make(map[string]*list.Element),
		lru:      list.New(),
	}
}

// Allow reports whether an event for key may happen now, and if so counts
// it.
func (l *Limiter) Allow(key string) bool {
	key = limiterKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var e *limiterEntry
	tat := now
	if el, ok := l.keys[key]; ok {
		l.lru.MoveToFront(el)
		e = el.Value.(*limiterEntry)
		if e.tat.After(now) {
			tat = e.tat
		}
	}
	if tat.Sub(now) > l.tau {
		return false
	}
	if e == nil {
		e = l.insert(key, now)
	}
	e.tat = tat.Add(l.interval)
	return true
}

// RetryAfter returns how long until Allow(key) would next return true;
// zero if it would now. It counts nothing. Round it up to whole seconds for
// a Retry-After header.
func (l *Limiter) RetryAfter(key string) time.Duration {
	key = limiterKey(key)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.keys[key]
	if !ok {
		return 0
	}
	return max(el.Value.(*limiterEntry).tat.Sub(now)-l.tau, 0)
}

// insert adds key, which must not be present, at the front. To make room
// it first drops up to two least recently seen keys whose buckets are full
// again (so forgetting them changes nothing), then, if still full, the
// least recently seen key.
func (l *Limiter) insert(key string, now time.Time) *limiterEntry {
	for range 2 {
		back := l.lru.Back()
		if back == nil || back.Value.(*limiterEntry).tat.After(now) {
			break
		}
		l.remove(back)
	}
	for l.lru.Len() >= l.maxKeys {
		l.remove(l.lru.Back())
	}
	e := &limiterEntry{key: key}
	l.keys[key] = l.lru.PushFront(e)
	return e
}

func (l *Limiter) remove(el *list.Element) {
	delete(l.keys, el.Value.(*limiterEntry).key)
	l.lru.Remove(el)
}

// size returns how many keys l remembers.
func (l *Limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// limiterKey returns key, or its SHA-256 if it is long. The NUL prefix
// keeps hashed keys apart from the short keys that any sane caller uses.
func limiterKey(key string) string {
	if len(key) <= maxLimiterKeyLen {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "\x00" + string(sum[:])
}
