package web

import (
	"net/http"

	"portcullis/internal/store"
)

// route is one endpoint: its method and path pattern, the least role it
// needs ("" for public), and whether it is part of the JSON API.
type route struct {
	pattern string
	role    string
	api     bool
	handle  func(http.ResponseWriter, *http.Request, *call) error
}

// Roles, for the table below.
const (
	public   = ""
	reporter = store.RoleReporter
	analyst  = store.RoleAnalyst
	admin    = store.RoleAdmin
)

// routes is every endpoint of the service, in one place. Authorisation
// is decided here (the role) and, for single reports, by the service
// (a reporter sees only their own).
func (h *Handler) routes() []route {
	return []route{
		// Public: signing in, health and the stylesheet.
		{"GET /signin", public, false, h.signInPage},
		{"POST /signin", public, false, h.signInSubmit},
		{"GET /signin/link/{token}", public, false, h.linkPage},
		{"POST /signin/link/{token}", public, false, h.linkSubmit},
		{"GET /healthz", public, false, h.healthz},
		{"GET /readyz", public, false, h.readyz},
		{"GET /static/", public, false, h.static},
		{"GET /api/v1/openapi.json", public, true, h.openAPI},

		// Everyone signed in: report, see one's own reports, one's account.
		{"GET /{$}", reporter, false, h.home},
		{"POST /signout", reporter, false, h.signOut},
		{"GET /report", reporter, false, h.reportForm},
		{"POST /report", reporter, false, h.reportSubmit},
		{"GET /reports", reporter, false, h.myReports},
		{"GET /reports/{id}", reporter, false, h.reportPage},
		{"GET /account", reporter, false, h.account},
		{"POST /account/password", reporter, false, h.accountPassword},
		{"POST /account/tokens", reporter, false, h.accountTokenCreate},
		{"POST /account/tokens/{id}/revoke", reporter, false, h.accountTokenRevoke},
		{"POST /account/notifications", reporter, false, h.notificationPrefs},
		{"GET /notifications", reporter, false, h.notificationsPage},
		{"POST /notifications/read", reporter, false, h.notificationsRead},
		{"GET /advisories", reporter, false, h.advisoriesPage},
		{"GET /advisories/{id}", reporter, false, h.advisoryPage},

		// The security team.
		{"GET /queue", analyst, false, h.queue},
		{"POST /reports/{id}/case", analyst, false, h.caseUpdate},
		{"POST /reports/{id}/notes", analyst, false, h.noteAdd},
		{"POST /reports/{id}/indicators", analyst, false, h.reportIndicatorAdd},
		{"GET /reports/{id}/raw", analyst, false, h.reportRaw},
		{"GET /reports/{id}/html", analyst, false, h.reportHTML},
		{"GET /watchlist", analyst, false, h.watchlist},
		{"POST /watchlist", analyst, false, h.watchlistAdd},
		{"GET /watchlist/export", analyst, false, h.watchlistExport},
		{"POST /watchlist/import", analyst, false, h.watchlistImport},
		{"GET /watchlist/{id}", analyst, false, h.watchlistEntry},
		{"POST /watchlist/{id}", analyst, false, h.watchlistEdit},
		{"POST /watchlist/{id}/expire", analyst, false, h.watchlistExpire},
		{"POST /watchlist/{id}/hunt", analyst, false, h.huntStart},
		{"GET /rules", analyst, false, h.rulesPage},
		{"GET /dashboard", analyst, false, h.dashboardPage},
		{"GET /campaigns", analyst, false, h.campaignsPage},
		{"GET /campaigns/{id}", analyst, false, h.campaignPage},
		{"POST /campaigns/{id}", analyst, false, h.campaignUpdate},
		{"POST /campaigns/{id}/merge", analyst, false, h.campaignMerge},
		{"POST /campaigns/{id}/split", analyst, false, h.campaignSplit},
		{"GET /hunts", analyst, false, h.huntsPage},
		{"GET /advisories/new", analyst, false, h.advisoryNew},
		{"POST /advisories", analyst, false, h.advisoryCreate},
		{"POST /advisories/{id}", analyst, false, h.advisoryCreate},
		{"POST /advisories/{id}/publish", analyst, false, h.advisoryPublish},
		{"GET /advisories/{id}/stix", analyst, false, h.advisorySTIX},
		{"GET /people", analyst, false, h.peoplePage},

		// Administrators.
		{"POST /people/import", admin, false, h.peopleImport},
		{"GET /admin/users", admin, false, h.usersPage},
		{"POST /admin/users", admin, false, h.userCreate},
		{"POST /admin/users/{id}", admin, false, h.userUpdate},
		{"POST /admin/users/{id}/reset", admin, false, h.userReset},
		{"GET /admin/audit", admin, false, h.auditPage},
		{"GET /admin/sharing", admin, false, h.sharingPage},
		{"POST /admin/sharing/partners", admin, false, h.sharingPartnerAdd},
		{"POST /admin/sharing/subscriptions", admin, false, h.sharingSubscribe},

		// The JSON API, authenticated by API tokens. Prometheus scrapes
		// /metrics with an analyst's token (bearer_token in its config).
		{"GET /metrics", analyst, true, h.metricsPage},
		{"GET /api/v1/me", reporter, true, h.apiMe},
		{"POST /api/v1/analyze", reporter, true, h.apiAnalyze},
		{"POST /api/v1/reports", reporter, true, h.apiSubmit},
		{"GET /api/v1/reports", reporter, true, h.apiReports},
		{"GET /api/v1/reports/{id}", reporter, true, h.apiReport},
		{"PATCH /api/v1/reports/{id}", analyst, true, h.apiCase},
		{"POST /api/v1/reports/{id}/notes", analyst, true, h.apiNote},
		{"GET /api/v1/indicators", analyst, true, h.apiIndicators},
		{"POST /api/v1/indicators", analyst, true, h.apiIndicatorAdd},
		{"GET /api/v1/indicators/export", analyst, true, h.apiIndicatorExport},
		{"POST /api/v1/indicators/{id}/expire", analyst, true, h.apiIndicatorExpire},
	}
}
