package auth

import (
	"testing"
	"time"
)

func TestLockoutFail(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	later := now.Add(15 * time.Minute)
	for _, tc := range []struct {
		name       string
		l          Lockout
		failed     int
		wantFailed int
		wantUntil  *time.Time
	}{
		{"first failure", DefaultLockout, 0, 1, nil},
		{"fourth failure", DefaultLockout, 3, 4, nil},
		{"fifth failure locks", DefaultLockout, 4, 5, &later},
		{"failure after a lock locks again", DefaultLockout, 5, 6, &later},
		{"negative count", DefaultLockout, -3, 1, nil},
		{"count capped", DefaultLockout, maxFailed, maxFailed, &later},
		{"disabled by After", Lockout{After: 0, For: time.Hour}, 100, 101, nil},
		{"disabled by For", Lockout{After: 1, For: 0}, 100, 101, nil},
		{"one strike", Lockout{After: 1, For: 15 * time.Minute}, 0, 1, &later},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gotFailed, gotUntil := tc.l.Fail(tc.failed, now)
			if gotFailed != tc.wantFailed {
				t.Errorf("Fail(%d) count = %d, want %d", tc.failed, gotFailed, tc.wantFailed)
			}
			switch {
			case gotUntil == nil && tc.wantUntil != nil:
				t.Errorf("Fail(%d) did not lock, want locked until %v", tc.failed, *tc.wantUntil)
			case gotUntil != nil && tc.wantUntil == nil:
				t.Errorf("Fail(%d) locked until %v, want no lock", tc.failed, *gotUntil)
			case gotUntil != nil && !gotUntil.Equal(*tc.wantUntil):
				t.Errorf("Fail(%d) locked until %v, want %v", tc.failed, *gotUntil, *tc.wantUntil)
			}
		})
	}
}

// TestLockoutSequence plays five failures from a reset count.
func TestLockoutSequence(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	failed := 0
	for i := 1; i <= DefaultLockout.After; i++ {
		var until *time.Time
		failed, until = DefaultLockout.Fail(failed, now)
		if locked := until != nil; locked != (i == DefaultLockout.After) {
			t.Fatalf("failure %d: locked = %v", i, locked)
		}
	}
}
