package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const loadHelp = `Usage: portcullis load [flags] URL

Submits reports concurrently to a running Portcullis server through the
JSON API, for a fixed time or number of reports, and prints the rate and
latency percentiles. Afterwards it reads every accepted report back to
prove none was lost.

The token must belong to a user (any role); create one on the account page.
Reports are generated approaches (hostile and benign mixed, with varied
names, companies and amounts) unless --input names files to send as they are.

Examples:
  portcullis load --token pc_... --concurrency 16 --duration 30s http://127.0.0.1:8080
  portcullis load --token pc_... --input ../shared/corpora/ham --count 2000 http://127.0.0.1:8080
`

// LoadResult is what a load run measured.
type LoadResult struct {
	Sent, Accepted, Failed int
	Elapsed                time.Duration
	P50, P95, P99, Max     time.Duration
	Verified, Missing      int
	IDs                    []int64
}

// Rate is accepted reports per second.
func (r LoadResult) Rate() float64 { return float64(r.Accepted) / r.Elapsed.Seconds() }

func runLoad(ctx context.Context, args []string, env Env) int {
	fs := newFlagSet("load", loadHelp, env)
	token := fs.String("token", env.Getenv("PORTCULLIS_TOKEN"), "API `token` (env PORTCULLIS_TOKEN)")
	conc := fs.Int("concurrency", 16, "reports in flight at once")
	dur := fs.Duration("duration", 30*time.Second, "how long to send (ignored with --count)")
	count := fs.Int("count", 0, "send exactly this many reports")
	input := fs.String("input", "", "send the files in this `DIR` (mail, approach JSON or text) instead of generated approaches")
	verify := fs.Bool("verify", true, "read every accepted report back afterwards")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 || *token == "" {
		fmt.Fprintln(env.Stderr, "portcullis load: give the server's URL and --token (see --help)")
		return ExitUsage
	}
	var files [][]byte
	if *input != "" {
		files, err = readLoadInputs(*input, 5000)
		if err != nil || len(files) == 0 {
			fmt.Fprintf(env.Stderr, "portcullis load: --input %s: no readable files (%v)\n", *input, err)
			return ExitUsage
		}
	}
	res, err := Load(ctx, LoadOptions{URL: pos[0], Token: *token, Concurrency: *conc, Duration: *dur, Count: *count, Files: files,
		Verify: *verify, Progress: env.Stderr})
	if err != nil {
		fmt.Fprintf(env.Stderr, "portcullis load: %v\n", err)
		return ExitBadInput
	}
	fmt.Fprintf(env.Stdout, "sent %d, accepted %d, failed %d in %.1fs: %.0f reports/s\n", res.Sent, res.Accepted, res.Failed, res.Elapsed.Seconds(), res.Rate())
	fmt.Fprintf(env.Stdout, "latency p50 %s, p95 %s, p99 %s, max %s\n", ms(res.P50), ms(res.P95), ms(res.P99), ms(res.Max))
	if *verify {
		fmt.Fprintf(env.Stdout, "verified %d accepted reports in the store, %d missing\n", res.Verified, res.Missing)
	}
	if res.Failed > 0 || res.Missing > 0 {
		return ExitFlagged
	}
	return ExitOK
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func readLoadInputs(dir string, max int) ([][]byte, error) {
	var out [][]byte
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(out) >= max {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && len(b) > 0 && len(b) < 5<<20 {
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// LoadOptions configures Load.
type LoadOptions struct {
	URL         string
	Token       string
	Concurrency int
	Duration    time.Duration
	Count       int
	Files       [][]byte // sent as they are; nil: generated approaches
	Verify      bool
	Progress    io.Writer
	Client      *http.Client
}

// Load runs a load test against a server.
func Load(ctx context.Context, o LoadOptions) (LoadResult, error) {
	base := strings.TrimRight(o.URL, "/")
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency + 4}}
	}
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	// One request first, so that a wrong URL or token fails clearly.
	if err := checkToken(ctx, client, base, o.Token); err != nil {
		return LoadResult{}, err
	}
	var (
		mu      sync.Mutex
		lat     []time.Duration
		ids     []int64
		sent    atomic.Int64
		failed  atomic.Int64
		lastErr atomic.Value
	)
	deadline := time.Now().Add(o.Duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for ctx.Err() == nil {
				n := sent.Add(1)
				if (o.Count > 0 && n > int64(o.Count)) || (o.Count == 0 && time.Now().After(deadline)) {
					sent.Add(-1)
					return
				}
				var body []byte
				ct := "application/json"
				if o.Files != nil {
					body = o.Files[int(n)%len(o.Files)]
					ct = "message/rfc822"
					if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
						body, _ = json.Marshal(map[string]json.RawMessage{"approach": body})
						ct = "application/json"
					}
				} else {
					body = generatedApproach(rng)
				}
				t0 := time.Now()
				id, err := submitOne(ctx, client, base, o.Token, ct, body)
				d := time.Since(t0)
				if err != nil {
					failed.Add(1)
					lastErr.Store(err)
					continue
				}
				mu.Lock()
				lat = append(lat, d)
				ids = append(ids, id)
				mu.Unlock()
			}
		}(w)
	}
	if o.Progress != nil {
		done := make(chan struct{})
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
					mu.Lock()
					n := len(ids)
					mu.Unlock()
					fmt.Fprintf(o.Progress, "  %d accepted, %d failed, %.0f/s\n", n, failed.Load(), float64(n)/time.Since(start).Seconds())
				}
			}
		}()
		defer close(done)
	}
	wg.Wait()
	res := LoadResult{Sent: int(sent.Load()), Accepted: len(ids), Failed: int(failed.Load()), Elapsed: time.Since(start), IDs: ids}
	if res.Failed > 0 && o.Progress != nil {
		fmt.Fprintf(o.Progress, "last error: %v\n", lastErr.Load())
	}
	slices.Sort(lat)
	if n := len(lat); n > 0 {
		q := func(p float64) time.Duration { return lat[min(n-1, int(float64(n)*p))] }
		res.P50, res.P95, res.P99, res.Max = q(0.50), q(0.95), q(0.99), lat[n-1]
	}
	if o.Verify {
		res.Verified, res.Missing = verifyReports(ctx, client, base, o.Token, ids, o.Concurrency)
	}
	return res, nil
}

func checkToken(ctx context.Context, c *http.Client, base, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/me", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return fmt.Errorf("%s answered %s: %s", base, resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

func submitOne(ctx context.Context, c *http.Client, base, token, ct string, body []byte) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/reports", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	var r struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.ID == 0 {
		return 0, fmt.Errorf("no report id in the answer")
	}
	return r.ID, nil
}

func verifyReports(ctx context.Context, c *http.Client, base, token string, ids []int64, conc int) (found, missing int) {
	var f, m atomic.Int64
	ch := make(chan int64)
	var wg sync.WaitGroup
	for range max(conc, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ch {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/reports/%d", base, id), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err == nil && resp.StatusCode == http.StatusOK {
					f.Add(1)
				} else {
					m.Add(1)
				}
			}
		}()
	}
	for _, id := range ids {
		ch <- id
	}
	close(ch)
	wg.Wait()
	return int(f.Load()), int(m.Load())
}

var (
	loadFirst = []string{"Amanda", "Robert", "Shirley", "Daniel", "Mei", "Alex", "Jonathan", "Priya", "Lukas", "Sofia", "Chen", "Olivia"}
	loadLast  = []string{"Qiu", "Smith", "Wen", "Fischer", "Patel", "Zhang", "Brown", "Novak", "Garcia", "Li", "Jones", "Kowalski"}
	loadOrgs  = []string{"Meridian Bridge Advisory", "Internationalcareer", "Orion Strategic Consulting", "Global Policy Insight Ltd",
		"Thames Valley Recruitment", "Westbrook Analytics", "Harbour Talent Partners", "Asia-Europe Research Forum"}
	loadHostile = []string{
		"Hello %s, I am a headhunter for %s. Our client, a think tank, pays %d GBP per short report on the government's thinking on trade policy. All expenses paid trip to Shanghai to meet the board. Please keep this confidential and let's move to WhatsApp.",
		"Dear %s, we are looking for experts with insight into parliamentary committees. Consultancy fee of $%d per paper, paid discreetly. %s would cover flights and hotel for a seminar in Beijing.",
		"Hi %s, I came across your profile. %s is building a network of policy advisers; a retainer of %d EUR monthly for non-public briefings. Can we continue on Telegram?",
	}
	loadBenign = []string{
		"Hi %s, thanks for speaking at the conference. %s is hosting a public panel next month; the programme is attached on our website. Entry is free. (ref %d)",
		"Dear %s, following up on the vacancy at %s we discussed. The job description is on our careers page; interviews are held in our London office. Kind regards (%d)",
	}
)

// generatedApproach makes one approach document, hostile or benign.
func generatedApproach(rng *rand.Rand) []byte {
	name := loadFirst[rng.IntN(len(loadFirst))] + " " + loadLast[rng.IntN(len(loadLast))]
	org := loadOrgs[rng.IntN(len(loadOrgs))]
	recipient := loadFirst[rng.IntN(len(loadFirst))]
	tmpls := loadBenign
	if rng.IntN(3) > 0 {
		tmpls = loadHostile
	}
	text := fmt.Sprintf(tmpls[rng.IntN(len(tmpls))], recipient, org, 1000+rng.IntN(20000))
	slug := strings.ToLower(strings.ReplaceAll(name, " ", "-")) + fmt.Sprintf("-%x", rng.IntN(1<<20))
	a := map[string]any{"format": "portcullis.approach/v1", "platform": "linkedin", "kind": "message",
		"sender":   map[string]any{"name": name, "headline": "Senior Partner at " + org, "company": org, "profile_url": "https://www.linkedin.com/in/" + slug},
		"messages": []map[string]any{{"from": "sender", "text": text}}}
	b, _ := json.Marshal(map[string]any{"approach": a, "intent": "report"})
	return b
}
