package reports_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"portcullis/internal/intel"
	"portcullis/internal/reports"
	"portcullis/internal/store"
)

// call is one service method called as actor.
type call struct {
	name string
	// role is the least role that may call it.
	role string
	// cli: a nil actor is the command line and may call it.
	cli bool
	fn  func(e *env, actor *store.User) error
}

// calls lists every method that takes an actor.
func calls(reportID int64, indicatorID string) []call {
	status := store.StatusTriaging
	return []call{
		{"Submit", store.RoleReporter, false, func(e *env, a *store.User) error {
			_, _, err := e.svc.Submit(e.ctx, a, reports.Submission{Channel: "web", Raw: []byte(hostileApproach)})
			return err
		}},
		{"Report", store.RoleReporter, false, func(e *env, a *store.User) error {
			_, err := e.svc.Report(e.ctx, a, reportID, "")
			if a != nil && a.Role == store.RoleReporter && errors.Is(err, store.ErrNotFound) {
				return nil // another's report: allowed to ask, told it is not there
			}
			return err
		}},
		{"List", store.RoleReporter, false, func(e *env, a *store.User) error {
			_, err := e.svc.List(e.ctx, a, store.ReportFilter{})
			return err
		}},
		{"Counts", store.RoleReporter, false, func(e *env, a *store.User) error {
			_, err := e.svc.Counts(e.ctx, a, store.ReportFilter{})
			return err
		}},
		{"SetPassword", store.RoleReporter, false, func(e *env, a *store.User) error {
			return e.svc.SetPassword(e.ctx, a, "", "tulip quarry mandolin 47", "")
		}},
		{"CreateAPIToken", store.RoleReporter, false, func(e *env, a *store.User) error {
			_, _, err := e.svc.CreateAPIToken(e.ctx, a, "script", "")
			return err
		}},
		{"APITokens", store.RoleReporter, false, func(e *env, a *store.User) error {
			_, err := e.svc.APITokens(e.ctx, a)
			return err
		}},
		{"RevokeAPIToken", store.RoleReporter, false, func(e *env, a *store.User) error {
			err := e.svc.RevokeAPIToken(e.ctx, a, 9999, "")
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}},
		{"UpdateCase", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.UpdateCase(e.ctx, a, reportID, store.CaseUpdate{Status: &status}, "")
			return err
		}},
		{"AddNote", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.AddNote(e.ctx, a, reportID, "looked at it", "")
			return err
		}},
		{"Notes", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Notes(e.ctx, a, reportID)
			return err
		}},
		{"Related", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Related(e.ctx, a, reportID)
			return err
		}},
		{"ReportIndicators", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.ReportIndicators(e.ctx, a, reportID)
			return err
		}},
		{"Attachments", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Attachments(e.ctx, a, reportID)
			return err
		}},
		{"Raw", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Raw(e.ctx, a, reportID, "")
			return err
		}},
		{"RuleHits", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.RuleHits(e.ctx, a)
			return err
		}},
		{"Analysts", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Analysts(e.ctx, a)
			return err
		}},
		{"Indicators", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, _, err := e.svc.Indicators(e.ctx, a, store.Filter{})
			return err
		}},
		{"Indicator", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Indicator(e.ctx, a, indicatorID)
			return err
		}},
		{"PutIndicators", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			ent, err := intel.ParseEntry(map[string]string{"type": "domain", "value": "put.example"})
			if err != nil {
				return err
			}
			_, _, err = e.svc.PutIndicators(e.ctx, a, []*intel.Entry{ent}, "add", "")
			return err
		}},
		{"ExpireIndicator", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			return e.svc.ExpireIndicator(e.ctx, a, indicatorID, "")
		}},
		{"ImportIndicators", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, _, _, err := e.svc.ImportIndicators(e.ctx, a, []byte("type,value\ndomain,import.example\n"), "")
			return err
		}},
		{"ExportIndicators", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.ExportIndicators(e.ctx, a, "csv", "", "")
			return err
		}},
		{"People", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.People(e.ctx, a, "")
			return err
		}},
		{"Person", store.RoleAnalyst, false, func(e *env, a *store.User) error {
			_, err := e.svc.Person(e.ctx, a, "nobody@parliament.uk")
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}},
		{"CreateUser", store.RoleAdmin, true, func(e *env, a *store.User) error {
			who := "cli"
			if a != nil {
				who = fmt.Sprint(a.ID)
			}
			_, err := e.svc.CreateUser(e.ctx, a, reports.NewUser{Email: "new-by-" + who + "@parliament.uk"}, "")
			return err
		}},
		{"UpdateUser", store.RoleAdmin, true, func(e *env, a *store.User) error {
			_, err := e.svc.UpdateUser(e.ctx, a, e.other.ID, reports.UserChange{Office: ptr("Whips' Office")}, "")
			return err
		}},
		{"ResetPassword", store.RoleAdmin, true, func(e *env, a *store.User) error {
			_, err := e.svc.ResetPassword(e.ctx, a, e.other.ID, "")
			return err
		}},
		{"Users", store.RoleAdmin, false, func(e *env, a *store.User) error {
			_, err := e.svc.Users(e.ctx, a)
			return err
		}},
		{"ImportPeople", store.RoleAdmin, true, func(e *env, a *store.User) error {
			_, _, err := e.svc.ImportPeople(e.ctx, a, strings.NewReader("name,email\nA Member,a.member@parliament.uk\n"), "")
			return err
		}},
		{"SignInLink", store.RoleAdmin, true, func(e *env, a *store.User) error {
			_, err := e.svc.SignInLink(e.ctx, a, e.other.ID, "")
			return err
		}},
	}
}

// authzEnv is an env with a report by other and one stored indicator.
func authzEnv(t *testing.T) (*env, int64, string) {
	t.Helper()
	e := newEnv(t)
	r := e.submit(t, e.other, hostileApproach)
	ent, err := intel.ParseEntry(map[string]string{"type": "email", "value": "recruiter@front-example.net"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.PutIndicators(e.ctx, e.analyst, []*intel.Entry{ent}, "add", ""); err != nil {
		t.Fatal(err)
	}
	recs, _, err := e.svc.Indicators(e.ctx, e.analyst, store.Filter{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("Indicators: %d, %v", len(recs), err)
	}
	return e, r.ID, recs[0].ID
}

// TestAuthorisation calls every method with an actor as nobody, as a
// disabled admin, and as each role, and checks that only the roles that
// may call it get past the check.
func TestAuthorisation(t *testing.T) {
	for _, c := range calls(0, "") {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, rid, iid := authzEnv(t)
			c := callNamed(c.name, rid, iid)
			disabled := *e.admin
			disabled.Disabled = true
			odd := *e.analyst
			odd.Role = "superuser"
			tests := []struct {
				name  string
				actor *store.User
				want  error // nil: allowed
			}{
				{"nobody", nil, reports.ErrUnauthenticated},
				{"disabled admin", &disabled, reports.ErrForbidden},
				{"unknown role", &odd, reports.ErrForbidden},
				{store.RoleReporter, e.reporter, nil},
				{store.RoleAnalyst, e.analyst, nil},
				{store.RoleAdmin, e.admin, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if c.name == "Submit" && (tt.name == "disabled admin" || tt.name == "unknown role") {
					}
					want := tt.want
					switch {
					case tt.actor == nil && c.cli:
						want = nil // the command line
					case tt.actor != nil && store.RoleRank(tt.actor.Role) > 0 && store.RoleRank(tt.actor.Role) < store.RoleRank(c.role):
						want = reports.ErrForbidden
					}
					err := c.fn(e, tt.actor)
					if want == nil {
						if err != nil {
							t.Errorf("%s: %v", c.name, err)
						}
						return
					}
					if !errors.Is(err, want) {
						t.Fatalf("%s: error = %v, want %v", c.name, err, want)
					}
					if tt.actor != nil && !tt.actor.Disabled && store.RoleRank(tt.actor.Role) > 0 && !strings.Contains(err.Error(), c.role) {
						t.Errorf("%s: error %q does not name the role needed, %s", c.name, err, c.role)
					}
				})
			}
		})
	}
}

func callNamed(name string, reportID int64, indicatorID string) call {
	for _, c := range calls(reportID, indicatorID) {
		if c.name == name {
			return c
		}
	}
	panic("no call " + name)
}

func TestRequireAndIsAnalyst(t *testing.T) {
	tests := []struct {
		name        string
		actor       *store.User
		wantAnalyst bool
		wantAdmin   error
	}{
		{"nobody", nil, false, reports.ErrUnauthenticated},
		{"reporter", &store.User{Role: store.RoleReporter}, false, reports.ErrForbidden},
		{"analyst", &store.User{Role: store.RoleAnalyst}, true, reports.ErrForbidden},
		{"admin", &store.User{Role: store.RoleAdmin}, true, nil},
		{"disabled admin", &store.User{Role: store.RoleAdmin, Disabled: true}, false, reports.ErrForbidden},
		{"unknown role", &store.User{Role: "root"}, false, reports.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reports.IsAnalyst(tt.actor); got != tt.wantAnalyst {
				t.Errorf("IsAnalyst = %t, want %t", got, tt.wantAnalyst)
			}
			err := reports.Require(tt.actor, store.RoleAdmin)
			if (tt.wantAdmin == nil) != (err == nil) || (tt.wantAdmin != nil && !errors.Is(err, tt.wantAdmin)) {
				t.Errorf("Require(admin) = %v, want %v", err, tt.wantAdmin)
			}
		})
	}
}
