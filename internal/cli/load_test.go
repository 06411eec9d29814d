package cli

import (
	"context"
	"testing"
	"time"

	"portcullis/internal/auth"
	"portcullis/internal/reports"
	"portcullis/internal/server"
	"portcullis/internal/store"
)

// TestLoadEveryAcceptedReportIsStored runs the load command against a
// real server: every report it was told was accepted is in the store.
// (The rate is measured by running the command, not by this test.)
func TestLoadEveryAcceptedReportIsStored(t *testing.T) {
	ctx := context.Background()
	p := auth.TestParams
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), PasswordParams: &p})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	u, err := srv.Service().CreateUser(ctx, nil, reports.NewUser{Email: "load@parliament.uk", Role: store.RoleReporter}, "")
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := srv.Service().CreateAPIToken(ctx, u, "load", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Load(ctx, LoadOptions{URL: srv.URL(), Token: secret, Concurrency: 8, Count: 300, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 300 || res.Accepted != 300 || res.Failed != 0 || res.Verified != 300 || res.Missing != 0 {
		t.Errorf("load = %+v, want 300 sent, accepted and verified", res)
	}
	n, err := srv.Store().CountAllReports(ctx)
	if err != nil || n != 300 {
		t.Errorf("stored reports = %d (%v), want 300", n, err)
	}
	if _, err := Load(ctx, LoadOptions{URL: srv.URL(), Token: "pc_wrong", Count: 1}); err == nil {
		t.Error("a wrong token did not fail the run")
	}
}
