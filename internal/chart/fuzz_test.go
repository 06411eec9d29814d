package chart

import (
	"strings"
	"testing"
	"time"
)

// FuzzLabels draws every chart with an arbitrary label, colour and href in
// every place they can go, and checks that the output is one well-formed
// SVG element made only of allowed elements and attributes, with no script,
// event handler or unsafe link.
func FuzzLabels(f *testing.F) {
	for i, h := range hostile {
		f.Add(h, hostileHrefs[i%len(hostileHrefs)], "#b3261e", 3)
	}
	f.Add("Payroll Team", "/personas/1", "#abc", 0)
	f.Add("", "", "", -1)
	f.Add(strings.Repeat("W", 5000), "/"+strings.Repeat("a", 3000), "red", 1<<62)
	f.Fuzz(func(t *testing.T, label, href, fill string, n int) {
		bars := []Bar{{Label: label, Values: []int{n, 1}}, {Label: label + label, Values: []int{2, n}}}
		checkSVG(t, StackedBars(label, label, []string{label, label}, []string{fill, label}, bars, n, n))

		items := []Item{{Label: label, N: n, Href: href}, {Label: label, N: 1, Href: label}}
		out := HBars(label, label, items, n)
		checkSVG(t, out)
		if safeHref(href) == "" && strings.Contains(out, "<a ") && safeHref(label) == "" {
			t.Fatalf("unsafe href kept: %q", href)
		}

		times := []time.Time{time.Unix(int64(n), 0), time.Unix(int64(len(label))*86400, 0)}
		checkSVG(t, Timeline(label, label, times, n, n))

		sources := []Node{{ID: label, Label: label, Href: href}, {ID: "x", Label: href}}
		targets := []Node{{ID: href, Label: label, Href: label}, {ID: label, Label: fill}}
		links := []Link{{From: label, To: href, Weight: n}, {From: "x", To: label, Weight: 1}}
		checkSVG(t, Graph(label, label, sources, targets, links, n))
	})
}
