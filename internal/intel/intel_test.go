package intel

import (
	"strings"
	"testing"
	"time"

	"portcullis/internal/analysis"
	"portcullis/internal/message"
	"portcullis/internal/rules"
)

func TestFolding(t *testing.T) {
	for _, tt := range []struct{ a, b string }{
		{"BR-YR Executive Search", "bryr executive search"},
		{"BR-YR Executive Search Co., Ltd.", "BRYR Executive Search"},
		{"Société Générale", "societe generale"},
		{"Москва Консалтинг", "moskva konsalting"},
		{"InternshipUnion", "Internship Union"},
	} {
		if OrgKey(tt.a) != OrgKey(tt.b) {
			t.Errorf("OrgKey(%q) = %q, OrgKey(%q) = %q; want equal", tt.a, OrgKey(tt.a), tt.b, OrgKey(tt.b))
		}
	}
	for _, tt := range []struct {
		a, b string
		min  float64
	}{
		{"Amanda Qiu", "Qiu Amanda", 1}, {"Shirly Shen", "Shirley Shen", 0.9}, {"Dr Amanda Qiu", "Amanda Qiu", 1},
	} {
		if s := nameSimilarity(NameTokens(tt.a), NameTokens(tt.b)); s < tt.min {
			t.Errorf("nameSimilarity(%q, %q) = %.2f, want >= %.2f", tt.a, tt.b, s, tt.min)
		}
	}
	if s := nameSimilarity(NameTokens("Amanda Chu"), NameTokens("Amanda Qiu")); s >= nameThreshold {
		t.Errorf("Amanda Chu matched Amanda Qiu (%.2f)", s)
	}
}

func analyze(t *testing.T, w *Watchlist, input string) *analysis.Result {
	t.Helper()
	eng, err := rules.Load(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := analysis.New(eng, w).Analyze(strings.NewReader(input), "t")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSeedMatching(t *testing.T) {
	w := New(Seed())
	tests := []struct {
		name, input string
		wantMatch   string // indicator value, "" for none
		minLevel    string
		maxLevel    string
	}{
		{"persona with organisation", `{"format":"portcullis.approach/v1","platform":"linkedin","sender":{"name":"Qiu Amanda","headline":"Senior Consultant at BR-YR Executive Search"},"messages":[{"text":"Hello, I would like to connect."}]}`,
			"Amanda Qiu", "high", "critical"},
		{"variant spelling with place", `{"format":"portcullis.approach/v1","platform":"linkedin","sender":{"name":"Shirley Shen","location":"Hangzhou, China"},"messages":[{"text":"Hi, nice to meet you."}]}`,
			"Shirly Shen", "high", "critical"},
		{"organisation in text", "Dear colleague, I represent Smiao Intelligence and we would welcome a conversation.", "Smiao Intelligence", "high", "critical"},
		{"name alone is a lead", `{"format":"portcullis.approach/v1","platform":"email","sender":{"name":"Jason Wang"},"messages":[{"text":"Thanks for the minutes of Tuesday's meeting."}]}`,
			"Jason Wang", "none", "low"},
		{"context organisation alone", "I am a researcher at the Shanghai Academy of Social Sciences studying public policy.", "Shanghai Academy of Social Sciences", "none", "low"},
		{"unrelated", "Hello, are you free for coffee next week?", "", "none", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := analyze(t, w, tt.input)
			found := false
			for _, m := range res.WatchlistMatches {
				if m.Indicator.Value == tt.wantMatch {
					found = true
					if m.Field == "" || m.Matched == "" || m.Similarity <= 0 {
						t.Errorf("match lacks field, text or similarity: %+v", m)
					}
				}
			}
			if tt.wantMatch != "" && !found {
				t.Errorf("no match for %q; got %+v", tt.wantMatch, res.WatchlistMatches)
			}
			if tt.wantMatch == "" && len(res.WatchlistMatches) > 0 {
				t.Errorf("unexpected matches %+v", res.WatchlistMatches)
			}
			r := analysis.LevelRank(res.Level)
			if r < analysis.LevelRank(tt.minLevel) || r > analysis.LevelRank(tt.maxLevel) {
				t.Errorf("level %s (score %d), want %s..%s", res.Level, res.Score, tt.minLevel, tt.maxLevel)
			}
		})
	}
}

func TestExactAndExpiry(t *testing.T) {
	es, err := ReadCSV(strings.NewReader("type,value,kind,source_name,valid_until\n" +
		"linkedin_profile,https://uk.linkedin.com/in/Fake-Headhunter-1/,watch,Test alert,\n" +
		"email,old@example.net,watch,Old alert,2020-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := New(es)
	w.Now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	res := analyze(t, w, "Connect with me: https://www.linkedin.com/in/fake-headhunter-1?trk=x, or write to old@example.net")
	if len(res.WatchlistMatches) != 1 || res.WatchlistMatches[0].Indicator.Type != "linkedin_profile" {
		t.Fatalf("matches = %+v, want the profile only (the email entry expired)", res.WatchlistMatches)
	}
	if res.Level != "critical" {
		t.Errorf("a known hostile profile gave %s, want critical", res.Level)
	}
}

func TestAllowlistOnlyVouchesForAuthenticatedSender(t *testing.T) {
	w := New(Seed())
	mail := "Authentication-Results: mx; spf=fail; dmarc=fail\nFrom: LinkedIn <security@linkedin.com>\nTo: a@b.org\nSubject: Verify\n\nVerify your account at https://linkedin-verify.example.net/login within 24 hours.\n"
	res := analyze(t, w, mail)
	for _, m := range res.WatchlistMatches {
		if m.Allow {
			t.Errorf("spoofed sender was allowlisted: %+v", m)
		}
	}
	p, err := message.Parse(strings.NewReader(mail), message.Limits{})
	if err != nil || p.Kind != message.KindEmail {
		t.Fatalf("a spoofed LinkedIn mail must be analysed as email, got %v %v", p.Kind, err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, in := range []string{
		"value\nx", "type,value\nplanet,x", "type,value\nemail,not-an-email", "type,value,kind\nemail,a@b.com,maybe",
		"type,value,tlp\nemail,a@b.com,purple", "type,value,confidence\nemail,a@b.com,200",
	} {
		if _, err := ReadCSV(strings.NewReader(in)); err == nil {
			t.Errorf("ReadCSV(%q) accepted bad input", in)
		}
	}
}

// TestConcurrentMatching runs the matcher from several goroutines, as
// analyze --workers does; run with -race it proves the watchlist is safe
// for concurrent use.
func TestConcurrentMatching(t *testing.T) {
	w := New(Seed())
	eng, err := rules.Load(rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	an := analysis.New(eng, w)
	inputs := []string{"Société Générale à Zürich, Qiu Amanda, BR-YR Executive Search", "Москва Консалтинг, Shirley Shen of Internship Union", "plain text"}
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 50; i++ {
				_, err := an.Analyze(strings.NewReader(inputs[i%len(inputs)]), "x")
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestChineseFolding(t *testing.T) {
	if got, want := OrgKey("博睿有限公司"), OrgKey("Borui"); got != want {
		t.Errorf("OrgKey(博睿有限公司) = %q, want %q", got, want)
	}
	if s := nameSimilarity(NameTokens("李瑞秋"), NameTokens("Ruiqiu Li")); s < nameThreshold {
		t.Errorf("李瑞秋 vs Ruiqiu Li: similarity %.2f", s)
	}
	if s := nameSimilarity(NameTokens("沈雪"), NameTokens("Shen Xue")); s < nameThreshold {
		t.Errorf("沈雪 vs Shen Xue: similarity %.2f", s)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	seed := Seed()
	var b strings.Builder
	if err := WriteCSV(&b, seed); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(seed) {
		t.Fatalf("read back %d entries, wrote %d", len(back), len(seed))
	}
	for i := range seed {
		a, c := seed[i], back[i]
		if a.Type != c.Type || a.Value != c.Value || a.Kind != c.Kind || strings.Join(a.Aliases, ";") != strings.Join(c.Aliases, ";") ||
			a.TLP != c.TLP || a.Confidence != c.Confidence || a.Source != c.Source || a.Description != c.Description ||
			strings.Join(a.ContextOrganizations, ";") != strings.Join(c.ContextOrganizations, ";") {
			t.Errorf("entry %d changed:\n%+v\n%+v", i, a, c)
		}
	}
}
