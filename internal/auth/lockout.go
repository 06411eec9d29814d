package auth

import "time"

// Lockout is the account lockout policy: after After consecutive failed
// sign-ins an account is locked for For. The count of failures belongs to
// the account and is kept by the caller; it resets to zero on a successful
// sign-in (and on a password reset), never on its own. While an account is
// locked, sign-ins are refused without checking the password, and the
// refusal neither counts as a failure nor extends the lock.
//
// Lockout complements the per-IP and per-email Limiter: the limiter slows
// anyone down, the lockout caps how many guesses one account can take
// however many addresses they come from. Because a lock also keeps out the
// real user, it is short, and the user should be told when it ends.
type Lockout struct {
	After int           // failures that lock the account; zero or less disables locking
	For   time.Duration // how long a lock lasts; zero or less disables locking
}

// DefaultLockout locks an account for 15 minutes after 5 failed sign-ins.
// Treat it as a constant.
var DefaultLockout = Lockout{After: 5, For: 15 * time.Minute}

// maxFailed caps the failure count so that it cannot overflow.
const maxFailed = 1 << 30

// Fail records one more failed sign-in on an account that had failed
// consecutively failed times before, at now. It returns the count to store
// and, when that count has reached l.After, the time until which the
// account is locked (nil when it is not). The count is not reset by a
// lock, so once an account has reached l.After, each further failure after
// the lock ends locks it again at once: an attacker gets l.After guesses,
// then one per l.For, until the real user signs in.
func (l Lockout) Fail(failed int, now time.Time) (newFailed int, lockedUntil *time.Time) {
	newFailed = min(max(failed, 0)+1, maxFailed)
	if l.After <= 0 || l.For <= 0 || newFailed < l.After {
		return newFailed, nil
	}
	until := now.Add(l.For)
	return newFailed, &until
}
