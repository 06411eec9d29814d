package chart

import (
	"time"
)

// maxBuckets is the most days, or groups of days, on a timeline.
const maxBuckets = 120

// Timeline draws events over time, such as the reports in a campaign, as a
// stem and dot per day whose height is the number of events that day (UTC),
// on a date axis. When the events span more than 120 days, each dot counts
// a run of consecutive days instead, so that there are at most 120. Zero
// times are ignored. A height of zero or less picks a default; otherwise it
// is kept within 160 to 600.
func Timeline(title, desc string, times []time.Time, width, height int) string {
	const kind = "timeline"
	first, last := int64(0), int64(0)
	n := 0
	for _, t := range times {
		if t.IsZero() {
			continue
		}
		d := day(t)
		if n == 0 || d < first {
			first = d
		}
		if n == 0 || d > last {
			last = d
		}
		n++
	}
	if n == 0 {
		return noData(kind, title, desc, width)
	}
	span := last - first + 1
	per := (span + maxBuckets - 1) / maxBuckets // days in a bucket
	buckets := int((span + per - 1) / per)
	counts := make([]int, buckets)
	for _, t := range times {
		if !t.IsZero() {
			b := (day(t) - first) / per
			counts[b] = add(counts[b], 1)
		}
	}
	start := func(b int) time.Time { return time.Unix((first+int64(b)*per)*86400, 0).UTC() }
	end := func(b int) time.Time { return time.Unix(min(first+int64(b+1)*per-1, last)*86400, 0).UTC() }
	peak := 0
	for _, c := range counts {
		peak = max(peak, c)
	}

	wd := float64(clampWidth(width))
	ht := float64(height)
	if height <= 0 {
		ht = 220
	}
	ht = min(max(ht, 160), 600)

	top, step := ticks(peak)
	left := pad + yAxisWidth(top, step)
	right := wd - pad
	plotTop := pad + 18 // room for a count above the highest dot
	plotBottom := ht - pad - 24
	scale := (plotBottom - plotTop) / float64(top)
	slot := (right - left) / float64(buckets)
	x := func(b int) float64 { return left + (float64(b)+0.5)*slot }

	var w writer
	yAxis(&w, top, step, left, right, plotTop, plotBottom)

	// Date axis, with the year only when the span is long.
	layout := "2 Jan 2006"
	switch {
	case span > 20*366:
		layout = "2006"
	case span > 400:
		layout = "Jan 2006"
	}
	w.open("g", "class", "dates", "font-size", num(smallSize), "fill", colMuted, "text-anchor", "middle")
	// Label every k-th bucket, so that labels are evenly spaced at least
	// 100 units apart.
	room := int((right-left)/100) + 1
	every := (buckets + room - 1) / room
	prev := ""
	for b := 0; b < buckets; b += every {
		text := start(b).Format(layout)
		if text == prev {
			continue
		}
		prev = text
		half := textWidth(text, smallSize) / 2
		lx := min(max(x(b), pad+half), wd-pad-half)
		w.elem("line", "x1", num(x(b)), "x2", num(x(b)), "y1", num(plotBottom), "y2", num(plotBottom+4),
			"stroke", colMuted, "stroke-width", "1")
		w.label(text, "x", num(lx), "y", num(plotBottom+18))
	}
	w.close("g")

	stem := min(max(slot*0.4, 1), 4)
	r := min(max(slot*0.5, 2.5), 5)
	for b, c := range counts {
		if c == 0 {
			continue
		}
		when := start(b).Format("Mon 2 Jan 2006")
		if per > 1 {
			when = start(b).Format("2 Jan 2006") + " to " + end(b).Format("2 Jan 2006")
		}
		cx := x(b)
		cy := plotBottom - float64(c)*scale
		w.open("g", "class", "day")
		w.title(when + ": " + plural(c, "event", "events"))
		w.elem("line", "x1", num(cx), "x2", num(cx), "y1", num(plotBottom), "y2", num(cy),
			"stroke", colAccent, "stroke-width", num(stem))
		w.elem("circle", "cx", num(cx), "cy", num(cy), "r", num(r), "fill", colAccent)
		if value := compact(c); textWidth(value, smallSize)+4 <= slot {
			w.label(value, "x", num(cx), "y", num(cy-r-4), "text-anchor", "middle", "font-size", num(smallSize))
		}
		w.close("g")
	}
	return frame(kind, title, desc, wd, ht, false, w.String())
}

// Days since 1 January 1970 of 1 January 0001 and 31 December 9999.
const (
	firstDay = -719162
	lastDay  = 2932896
)

// day returns the days since 1 January 1970 UTC, rounding down, within the
// years 1 to 9999.
func day(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return min(max(d, firstDay), lastDay)
}
