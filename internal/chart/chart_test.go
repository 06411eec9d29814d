package chart

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"html/template"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	levels  = []string{"none", "low", "medium", "high", "critical"}
	colours = []string{"#505a5f", "#00703c", "#8a5300", "#b3261e", "#6d0a0a"}
	day0    = time.Date(2025, 3, 3, 9, 30, 0, 0, time.UTC)
)

// hostile are labels an adversary might choose.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><svg onload=alert(1)>`,
	`'><img src=x onerror=alert(1)>`,
	`]]><foreignObject><body onload=alert(1)>`,
	"a\x00b\x1bc\u202eevil\u2066",
	"&amp; &lt;b&gt; &#x3c;",
	"\xff\xfe invalid UTF-8",
	`</title><script>alert(1)</script>`,
}

// hostileHrefs must all be dropped.
var hostileHrefs = []string{
	"javascript:alert(1)",
	"JaVaScRiPt:alert(1)",
	" javascript:alert(1)",
	"//evil.example/x",
	"/\\evil.example",
	"/\t/evil.example",
	"/x\" onmouseover=\"alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"https://evil.example/",
	"/caf\u00e9",
	"/a b",
	"/x<y",
}

func weeks(n int) []Bar {
	bars := make([]Bar, n)
	for i := range bars {
		bars[i] = Bar{
			Label:  day0.AddDate(0, 0, 7*i).Format("2 Jan"),
			Values: []int{(i * 7) % 11, (i * 5) % 9, (i * 3) % 7, i % 5, i % 3},
		}
	}
	return bars
}

func campaignTimes() []time.Time {
	var ts []time.Time
	for d, n := range []int{3, 9, 0, 4, 1, 0, 0, 2} {
		for i := range n {
			ts = append(ts, day0.AddDate(0, 0, d).Add(time.Duration(i)*17*time.Minute))
		}
	}
	return ts
}

func people(prefix string, n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		nodes[i] = Node{ID: fmt.Sprintf("%s%d", prefix, i), Label: fmt.Sprintf("%s %d", prefix, i)}
	}
	return nodes
}

// cases are the charts compared with golden files in testdata.
var cases = []struct {
	name   string
	render func() string
}{
	{"bars-levels", func() string {
		return StackedBars("Reports per week", "Reports each week by level.", levels, colours, weeks(8), 640, 320)
	}},
	{"bars-narrow", func() string {
		// Invalid colours fall back to the palette; a missing key is named;
		// a value beyond the keys is counted as Other.
		bars := []Bar{
			{Label: "Monday 3 March", Values: []int{4, 2, 1, 9}},
			{Label: "Tuesday", Values: []int{0, 0, 0}},
			{Label: "Wednesday", Values: []int{-5, 12}},
			{Label: "Thursday", Values: []int{1}},
		}
		return StackedBars("By day", "", []string{"low", ""}, []string{"red", "#12345g", "url(#x)"}, bars, 320, 0)
	}},
	{"bars-capped", func() string {
		return StackedBars("Reports per week", "Two years of weeks.", levels, colours, weeks(104), 1200, 400)
	}},
	{"hbars-roles", func() string {
		items := []Item{
			{Label: "Finance", N: 41, Href: "/people?role=finance"},
			{Label: "Executive assistants", N: 87, Href: "/people?role=ea"},
			{Label: "IT service desk", N: 12, Href: "javascript:alert(1)"},
			{Label: "Human resources", N: 0},
			{Label: "A very long office name that will not fit at this width, Leeds", N: 3, Href: "//evil.example"},
		}
		return HBars("Most targeted roles", "Reports by role of the person targeted.", items, 480)
	}},
	{"hbars-capped", func() string {
		items := make([]Item, 30)
		for i := range items {
			items[i] = Item{Label: fmt.Sprintf("Campaign %d", i+1), N: 1000 - 30*i, Href: fmt.Sprintf("/campaigns/%d", i+1)}
		}
		return HBars("Largest campaigns", "", items, 800)
	}},
	{"timeline-campaign", func() string {
		return Timeline("Reports in this campaign", "Reports per day.", campaignTimes(), 640, 0)
	}},
	{"timeline-long", func() string {
		var ts []time.Time
		for i := range 90 {
			ts = append(ts, day0.AddDate(0, 0, i*i/4))
		}
		return Timeline("Reports", "", ts, 320, 200)
	}},
	{"graph-campaign", func() string {
		sources := []Node{
			{ID: "p1", Label: "Payroll Team", Href: "/personas/1"},
			{ID: "p2", Label: "IT Helpdesk <it@examp1e.com>", Href: "/personas/2"},
			{ID: "p3", Label: "CEO"},
		}
		targets := []Node{
			{ID: "a", Label: "Ana Souza", Href: "/people/a"},
			{ID: "b", Label: "Ben Okafor", Href: "/people/b"},
			{ID: "c", Label: "Chen Wei 陈伟"},
			{ID: "d", Label: "Dana Kowalski"},
			{ID: "e", Label: "Eve Unlinked"},
		}
		links := []Link{
			{From: "p1", To: "a", Weight: 3}, {From: "p1", To: "b", Weight: 1},
			{From: "p2", To: "c", Weight: 5}, {From: "p2", To: "a", Weight: 1},
			{From: "p3", To: "d", Weight: 2}, {From: "p3", To: "c"},
			{From: "p3", To: "d", Weight: 2}, // repeated: added up
			{From: "nobody", To: "a", Weight: 9},
		}
		return Graph("Who this campaign reached", "Personas on the left, people reached on the right.", sources, targets, links, 640)
	}},
	{"graph-capped", func() string {
		sources, targets := people("sender", 45), people("person", 50)
		var links []Link
		for i := range sources {
			links = append(links, Link{From: sources[i].ID, To: targets[(i*7)%50].ID, Weight: 1 + i%4})
			links = append(links, Link{From: sources[i].ID, To: targets[(i*3+1)%50].ID, Weight: 1})
		}
		return Graph("Senders and people", "", sources, targets, links, 900)
	}},
	{"no-data", func() string {
		return StackedBars("Reports per week", "Reports each week by level.", levels, colours, nil, 640, 320)
	}},
	{"hostile", func() string {
		items := make([]Item, len(hostile))
		for i, l := range hostile {
			items[i] = Item{Label: l, N: i + 1, Href: hostileHrefs[i]}
		}
		return HBars(hostile[0], hostile[1], items, 640)
	}},
}

func TestGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.render()
			checkSVG(t, got)
			path := filepath.Join("testdata", c.name+".svg")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (go test -update writes it): %v", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (go test ./internal/chart -run Golden -update rewrites it):\n%s", path, firstDiff(got, string(want)))
			}
			if again := c.render(); again != got {
				t.Errorf("second rendering differs from the first:\n%s", firstDiff(again, got))
			}
		})
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}

// allowed lists every element the charts may hold, with its attributes.
var allowed = map[string]map[string]bool{
	"svg": set("xmlns", "class", "viewBox", "width", "preserveAspectRatio", "role",
		"aria-labelledby", "aria-describedby", "font-family", "font-size", "fill"),
	"title":  set("id"),
	"desc":   set("id"),
	"g":      set("class", "font-size", "fill", "text-anchor", "stroke", "stroke-opacity"),
	"a":      set("href"),
	"rect":   set("x", "y", "width", "height", "fill", "stroke", "stroke-width", "stroke-dasharray"),
	"line":   set("x1", "x2", "y1", "y2", "stroke", "stroke-width"),
	"circle": set("cx", "cy", "r", "fill", "stroke", "stroke-width"),
	"path":   set("d", "stroke-width", "stroke-dasharray"),
	"text":   set("x", "y", "text-anchor", "font-size", "fill", "text-decoration"),
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// checkSVG fails the test unless s is one well-formed <svg> element with
// role, title and description, made only of allowed elements and
// attributes, with colours that are hex and links that are site paths.
func checkSVG(t testing.TB, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	depth, roots := 0, 0
	ids := map[string]bool{}
	var refs []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("output does not parse as XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			if depth == 0 {
				roots++
				if name != "svg" {
					t.Fatalf("root element is %q, want svg", name)
				}
			}
			attrs, ok := allowed[name]
			if !ok {
				t.Fatalf("element %q is not allowed", name)
			}
			for _, a := range tok.Attr {
				key := a.Name.Local
				if a.Name.Space != "" && !(name == "svg" && key == "xmlns") {
					t.Fatalf("attribute %s:%s on %s is not allowed", a.Name.Space, key, name)
				}
				if !attrs[key] {
					t.Fatalf("attribute %q on %s is not allowed", key, name)
				}
				switch key {
				case "href":
					if safeHref(a.Value) != a.Value {
						t.Fatalf("unsafe href %q", a.Value)
					}
				case "fill", "stroke":
					if _, ok := colour(a.Value); !ok && a.Value != "none" {
						t.Fatalf("%s=%q is not a hex colour", key, a.Value)
					}
				case "role":
					if a.Value != "img" && a.Value != "group" {
						t.Fatalf("role=%q", a.Value)
					}
				case "id":
					ids[a.Value] = true
				case "aria-labelledby", "aria-describedby":
					refs = append(refs, a.Value)
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.ProcInst, xml.Directive:
			t.Fatalf("unexpected %T in output", tok)
		}
	}
	if roots != 1 {
		t.Fatalf("output has %d root elements, want 1", roots)
	}
	if len(refs) == 0 {
		t.Fatal("the svg is not labelled")
	}
	for _, r := range refs {
		if !ids[r] {
			t.Fatalf("aria reference %q has no element", r)
		}
	}
	if !strings.HasPrefix(s, "<svg ") || !strings.Contains(s, `role="`) || !strings.Contains(s, "<title id=") {
		t.Fatalf("output lacks svg, role or title:\n%.300s", s)
	}
	lower := strings.ToLower(s)
	for _, bad := range []string{"<script", "<foreignobject", "<img", "<style", "style=", " on", "<!", "]]>"} {
		if bad == " on" {
			// No attribute may be an event handler.
			for i := strings.Index(lower, " on"); i >= 0; i = next(lower, i, " on") {
				if in := lastByte(lower[:i], '<', '>'); in == '<' {
					t.Fatalf("event handler in a tag near %q", s[max(0, i-20):min(len(s), i+20)])
				}
			}
			continue
		}
		if strings.Contains(lower, bad) {
			t.Fatalf("output contains %q", bad)
		}
	}
}

func next(s string, i int, sub string) int {
	j := strings.Index(s[i+1:], sub)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// lastByte returns whichever of a or b occurs last in s, or 0.
func lastByte(s string, a, b byte) byte {
	i, j := strings.LastIndexByte(s, a), strings.LastIndexByte(s, b)
	switch {
	case i < 0 && j < 0:
		return 0
	case i > j:
		return a
	}
	return b
}

func TestHostileLabels(t *testing.T) {
	for i, label := range hostile {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			href := hostileHrefs[i%len(hostileHrefs)]
			outs := map[string]string{
				"StackedBars": StackedBars(label, label, []string{label}, []string{label}, []Bar{{Label: label, Values: []int{3}}}, 400, 200),
				"HBars":       HBars(label, label, []Item{{Label: label, N: 2, Href: href}}, 400),
				"Timeline":    Timeline(label, label, []time.Time{day0}, 400, 200),
				"Graph": Graph(label, label, []Node{{ID: label, Label: label, Href: href}},
					[]Node{{ID: "t", Label: label, Href: href}}, []Link{{From: label, To: "t", Weight: 1}}, 400),
			}
			for name, out := range outs {
				checkSVG(t, out)
				if strings.Contains(out, "href=") {
					t.Errorf("%s kept hostile href %q:\n%s", name, href, out)
				}
				// The label survives as text, cleaned, so readers see what
				// the adversary wrote.
				if want := escape(clean(label, maxLabel)); !strings.Contains(out, want) {
					t.Errorf("%s lost label %q (want %q):\n%s", name, label, want, out)
				}
			}
		})
	}
}

func TestHostileHrefs(t *testing.T) {
	for _, h := range hostileHrefs {
		if got := safeHref(h); got != "" {
			t.Errorf("safeHref(%q) = %q, want \"\"", h, got)
		}
		out := HBars("t", "", []Item{{Label: "x", N: 1, Href: h}}, 400)
		if strings.Contains(out, "<a ") {
			t.Errorf("HBars kept href %q", h)
		}
	}
	for _, h := range []string{"/", "/campaigns/7", "/people?role=finance&office=leeds", "/reports/12#findings", "/a%20b"} {
		if got := safeHref(h); got != h {
			t.Errorf("safeHref(%q) = %q, want it kept", h, got)
		}
	}
}

func TestLinksMakeAGroup(t *testing.T) {
	with := HBars("t", "", []Item{{Label: "x", N: 1, Href: "/x"}}, 400)
	if !strings.Contains(with, `role="group"`) || !strings.Contains(with, `<a href="/x">`) {
		t.Errorf("a chart with links should be role=group with the link:\n%s", with)
	}
	without := HBars("t", "", []Item{{Label: "x", N: 1}}, 400)
	if !strings.Contains(without, `role="img"`) {
		t.Errorf("a chart without links should be role=img:\n%s", without)
	}
}

func TestEmpty(t *testing.T) {
	outs := map[string]string{
		"StackedBars nil":      StackedBars("", "", nil, nil, nil, 0, 0),
		"StackedBars zeros":    StackedBars("t", "d", levels, colours, []Bar{{Label: "w", Values: []int{0, 0}}, {Label: "x"}}, 640, 300),
		"StackedBars negative": StackedBars("t", "d", levels, colours, []Bar{{Label: "w", Values: []int{-3}}}, 640, 300),
		"HBars nil":            HBars("", "", nil, 0),
		"HBars zeros":          HBars("t", "d", []Item{{Label: "a"}, {Label: "b", N: -4}}, 640),
		"Timeline nil":         Timeline("", "", nil, 0, 0),
		"Timeline zero times":  Timeline("t", "d", []time.Time{{}, {}}, 640, 0),
		"Graph nil":            Graph("", "", nil, nil, nil, 0),
		"Graph no links":       Graph("t", "d", people("s", 3), people("t", 3), nil, 640),
		"Graph unknown links":  Graph("t", "d", people("s", 3), people("t", 3), []Link{{From: "x", To: "y", Weight: 2}}, 640),
	}
	for name, out := range outs {
		t.Run(name, func(t *testing.T) {
			checkSVG(t, out)
			if !strings.Contains(out, ">No data yet</text>") || !strings.Contains(out, "No data yet.</desc>") {
				t.Errorf("want a No data yet chart, got:\n%s", out)
			}
		})
	}
	if out := StackedBars("", "", nil, nil, nil, 0, 0); !strings.Contains(out, "<title id=\"chart-bars-") || !strings.Contains(out, ">Chart</title>") {
		t.Errorf("an empty title should become Chart:\n%s", out)
	}
}

func TestLarge(t *testing.T) {
	const n = 10_000
	bars := make([]Bar, n)
	items := make([]Item, n)
	times := make([]time.Time, n)
	sources, targets := people("s", n), people("t", n)
	links := make([]Link, n)
	for i := range n {
		bars[i] = Bar{Label: fmt.Sprint("bar ", i), Values: []int{math.MaxInt, i, -i, math.MinInt, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
		items[i] = Item{Label: fmt.Sprint("item ", i), N: math.MaxInt - i, Href: fmt.Sprint("/items/", i)}
		times[i] = day0.Add(time.Duration(i) * 7 * time.Hour)
		links[i] = Link{From: sources[(i*31)%n].ID, To: targets[(i*17)%n].ID, Weight: math.MaxInt}
	}
	times = append(times, time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Unix(math.MaxInt64/2, 0), time.Unix(math.MinInt64/2, 0))
	outs := map[string]struct {
		out  string
		want string
	}{
		"StackedBars": {StackedBars("t", "d", []string{"a", "b"}, nil, bars, 1200, 900), "Showing the last 60 of 10,000 bars."},
		"HBars":       {HBars("t", "d", items, 640), "+9,981 more, 1,000,000,000,000,000+ in total"},
		"Timeline":    {Timeline("t", "d", times, 320, 0), ">0001</text>"},
		"Graph":       {Graph("t", "d", sources, targets, links, 320), ">+9,961 more</text>"},
	}
	for name, c := range outs {
		t.Run(name, func(t *testing.T) {
			checkSVG(t, c.out)
			if !strings.Contains(c.out, c.want) {
				t.Errorf("output lacks %q", c.want)
			}
			if len(c.out) > 1<<20 {
				t.Errorf("output is %d bytes, want at most 1 MiB", len(c.out))
			}
			for _, bad := range []string{"NaN", "Inf", "e+", "-9223372036854775808"} {
				if strings.Contains(c.out, bad) {
					t.Errorf("output contains %q", bad)
				}
			}
		})
	}
}

func TestWidths(t *testing.T) {
	for _, width := range []int{-1, 0, 1, 320, 321, 768, 1200, 5000, math.MaxInt} {
		for _, out := range []string{
			StackedBars("t", "", levels, colours, weeks(12), width, width),
			HBars("t", "", []Item{{Label: "a", N: 1}}, width),
			Timeline("t", "", campaignTimes(), width, width),
			Graph("t", "", people("s", 2), people("t", 2), []Link{{From: "s0", To: "t1"}}, width),
		} {
			checkSVG(t, out)
			var vw, vh float64
			start := strings.Index(out, `viewBox="`) + len(`viewBox="`)
			if _, err := fmt.Sscanf(out[start:], "0 0 %g %g", &vw, &vh); err != nil {
				t.Fatalf("width %d: no viewBox: %v", width, err)
			}
			if vw < minWidth || vw > maxWidth || vh <= 0 || vh > 2000 {
				t.Errorf("width %d: viewBox %g×%g out of range", width, vw, vh)
			}
			if !strings.Contains(out, `width="100%"`) {
				t.Errorf("width %d: the chart does not scale to its container", width)
			}
		}
	}
}

func TestDistinctIDs(t *testing.T) {
	a := HBars("Roles", "", []Item{{Label: "a", N: 1}}, 400)
	b := HBars("Roles", "", []Item{{Label: "a", N: 2}}, 400)
	id := func(s string) string {
		i := strings.Index(s, `<title id="`) + len(`<title id="`)
		return s[i : i+strings.IndexByte(s[i:], '"')]
	}
	if id(a) == id(b) {
		t.Errorf("two different charts share the id %q", id(a))
	}
}

func TestTemplateHTML(t *testing.T) {
	out := HBars("Roles", "", []Item{{Label: `<b>"x"</b>`, N: 1, Href: "/people?a=1&b=2"}}, 400)
	tmpl := template.Must(template.New("").Parse(`<figure>{{.}}</figure>`))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, template.HTML(out)); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "<figure>"+out+"</figure>"; got != want {
		t.Errorf("html/template changed the chart:\n got %s\nwant %s", got, want)
	}
}

func TestColour(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"#b3261e", "#b3261e", true},
		{"#B3261E", "#b3261e", true},
		{"#abc", "#aabbcc", true},
		{"b3261e", "", false},
		{"#b3261", "", false},
		{"#b3261e00", "", false},
		{"#ggg", "", false},
		{"red", "", false},
		{"url(#x)", "", false},
		{`#abc" onload="x`, "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := colour(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("colour(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"  Payroll\n\tTeam  ", 50, "Payroll Team"},
		{"a\x00b", 50, "a b"},
		{"abc\u202edef", 50, "abcdef"},
		{"\xff", 50, "\uFFFD"},
		{"family \U0001F468\u200d\U0001F469", 50, "family \U0001F468\u200d\U0001F469"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"\ufffe\uffff", 50, ""},
	}
	for _, tt := range tests {
		if got := clean(tt.in, tt.max); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestTicks(t *testing.T) {
	tests := []struct{ max, top, step int }{
		{1, 1, 1}, {3, 3, 1}, {7, 8, 2}, {10, 10, 2}, {41, 50, 10}, {87, 100, 20}, {1234, 1500, 500},
		{maxValue, maxValue, maxValue / 5},
	}
	for _, tt := range tests {
		if top, step := ticks(tt.max); top != tt.top || step != tt.step {
			t.Errorf("ticks(%d) = %d, %d; want %d, %d", tt.max, top, step, tt.top, tt.step)
		}
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{commas(0), "0"}, {commas(999), "999"}, {commas(1000), "1,000"}, {commas(1234567), "1,234,567"},
		{commas(maxValue), "1,000,000,000,000,000+"},
		{compact(9500), "9,500"}, {compact(12000), "12k"}, {compact(2_500_000), "2.5M"}, {compact(maxValue), "1Q"},
		{num(-0.01), "0"}, {num(1.25), "1.3"}, {num(math.NaN()), "0"}, {num(3), "3"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestDay(t *testing.T) {
	if got := day(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)); got != firstDay {
		t.Errorf("day(year 1) = %d, want %d", got, firstDay)
	}
	if got := day(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)); got != lastDay {
		t.Errorf("day(year 9999) = %d, want %d", got, lastDay)
	}
	if got := day(time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)); got != -1 {
		t.Errorf("day(31 Dec 1969) = %d, want -1", got)
	}
	if got := day(time.Date(2025, 3, 3, 23, 0, 0, 0, time.FixedZone("", -5*3600))); got != day(time.Date(2025, 3, 4, 4, 0, 0, 0, time.UTC)) {
		t.Errorf("days should be UTC days")
	}
}
