package web

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics counts what the service does, in the Prometheus text format.
// A few counters and one histogram do not need a client library.
type Metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // route, status code
	hist     map[string]*histogram
	reports  map[[2]string]uint64 // channel, level
	extra    map[string]func() float64
	start    time.Time
}

var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[[2]string]uint64{}, hist: map[string]*histogram{}, reports: map[[2]string]uint64{},
		extra: map[string]func() float64{}, start: time.Now()}
}

// Gauge registers a gauge read when metrics are scraped (name must be
// a valid Prometheus metric name).
func (m *Metrics) Gauge(name string, f func() float64) {
	m.mu.Lock()
	m.extra[name] = f
	m.mu.Unlock()
}

// ReportAccepted counts a stored report (for channels outside web).
func (m *Metrics) ReportAccepted(channel, level string) { m.reportAccepted(channel, level) }

func (m *Metrics) reportAccepted(channel, level string) {
	m.mu.Lock()
	m.reports[[2]string{channel, level}]++
	m.mu.Unlock()
}

func (m *Metrics) observe(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, strconv.Itoa(status)}]++
	h := m.hist[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[route] = h
	}
	s := d.Seconds()
	for i, b := range buckets {
		if s <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += s
	h.n++
}

func label(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func (m *Metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP portcullis_http_requests_total HTTP requests by route and status.")
	fmt.Fprintln(w, "# TYPE portcullis_http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "portcullis_http_requests_total{route=\"%s\",code=\"%s\"} %d\n", label(k[0]), k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP portcullis_http_request_duration_seconds Time to answer HTTP requests.")
	fmt.Fprintln(w, "# TYPE portcullis_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.hist[r]
		var cum uint64
		for i, b := range buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "portcullis_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %d\n", label(r), b, cum)
		}
		fmt.Fprintf(w, "portcullis_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %d\n", label(r), h.n)
		fmt.Fprintf(w, "portcullis_http_request_duration_seconds_sum{route=\"%s\"} %g\n", label(r), h.sum)
		fmt.Fprintf(w, "portcullis_http_request_duration_seconds_count{route=\"%s\"} %d\n", label(r), h.n)
	}
	fmt.Fprintln(w, "# HELP portcullis_reports_total Reports stored, by channel and level.")
	fmt.Fprintln(w, "# TYPE portcullis_reports_total counter")
	rk := make([][2]string, 0, len(m.reports))
	for k := range m.reports {
		rk = append(rk, k)
	}
	sort.Slice(rk, func(i, j int) bool { return rk[i][0]+rk[i][1] < rk[j][0]+rk[j][1] })
	for _, k := range rk {
		fmt.Fprintf(w, "portcullis_reports_total{channel=\"%s\",level=\"%s\"} %d\n", label(k[0]), label(k[1]), m.reports[k])
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintln(w, "# TYPE portcullis_goroutines gauge")
	fmt.Fprintf(w, "portcullis_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintln(w, "# TYPE portcullis_heap_bytes gauge")
	fmt.Fprintf(w, "portcullis_heap_bytes %d\n", ms.HeapAlloc)
	fmt.Fprintln(w, "# TYPE portcullis_uptime_seconds gauge")
	fmt.Fprintf(w, "portcullis_uptime_seconds %g\n", time.Since(m.start).Seconds())
	names := make([]string, 0, len(m.extra))
	for n := range m.extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "# TYPE %s gauge\n%s %g\n", n, n, m.extra[n]())
	}
}
