package chart

import (
	"cmp"
	"slices"
	"strconv"
)

const (
	// maxKeys is the most stack segments drawn; further keys are added
	// into a last segment named "Other".
	maxKeys = 10
	// maxBars is the most stacked bars drawn; earlier bars are left out,
	// with a note.
	maxBars = 60
	// maxItems is the most horizontal bars drawn; the rest are summed in a
	// note.
	maxItems = 20
)

// Bar is one stacked bar: a label and the values of its segments, in the
// order of the keys given to StackedBars.
type Bar struct {
	Label  string
	Values []int
}

// Item is one horizontal bar. Href, when it is a relative path on this site
// such as "/campaigns/7", makes the bar a link.
type Item struct {
	Label string
	N     int
	Href  string
}

// StackedBars draws vertical stacked bars, such as reports per week by
// level, with a legend, a value axis and a label under each bar. keys names
// the segments, stacked from the bottom in order; colours gives their fills
// as "#rgb" or "#rrggbb", and a missing or invalid colour is replaced by
// one from a default palette. Values below zero count as zero. At most 60
// bars are drawn: with more, the first are left out (the oldest, for a time
// series in order) and a note says so. At most 10 segments are drawn; the
// rest, and any values beyond the keys, are summed as "Other". A height of
// zero or less picks a default; otherwise it is kept within 200 to 900.
func StackedBars(title, desc string, keys []string, colours []string, bars []Bar, width, height int) string {
	const kind = "bars"
	names, fills := stackKeys(keys, colours, bars)
	total := 0
	for _, b := range bars {
		for _, v := range b.Values {
			total = add(total, v)
		}
	}
	if len(bars) == 0 || total == 0 {
		return noData(kind, title, desc, width)
	}

	dropped := 0
	if len(bars) > maxBars {
		dropped = len(bars) - maxBars
		bars = bars[dropped:]
	}
	type stack struct {
		label  string
		values []int
		total  int
	}
	stacks := make([]stack, len(bars))
	peak := 0
	for i, b := range bars {
		s := stack{label: clean(b.Label, maxLabel), values: make([]int, len(names))}
		for j, v := range b.Values {
			k := min(j, len(names)-1)
			s.values[k] = add(s.values[k], v)
			s.total = add(s.total, v)
		}
		peak = max(peak, s.total)
		stacks[i] = s
	}
	if peak == 0 {
		// Only left-out bars had values.
		peak = 1
	}

	wd := float64(clampWidth(width))
	ht := float64(height)
	if height <= 0 {
		ht = 320
	}
	ht = min(max(ht, 200), 900)

	var w writer

	// Legend, wrapping into rows.
	const swatch, rowH = 14.0, 22.0
	w.open("g", "class", "legend")
	x, y := pad, pad
	for j, name := range names {
		text := fit(name, fontSize, wd-2*pad-swatch-6)
		itemW := swatch + 6 + textWidth(text, fontSize) + 16
		if x > pad && x+itemW > wd-pad {
			x, y = pad, y+rowH
		}
		w.elem("rect", "x", num(x), "y", num(y+2), "width", num(swatch), "height", num(swatch),
			"fill", fills[j], "stroke", colBlack, "stroke-width", "1")
		w.label(text, "x", num(x+swatch+6), "y", num(y+14))
		x += itemW
	}
	w.close("g")
	legendBottom := y + rowH

	top, step := ticks(peak)
	left := pad + yAxisWidth(top, step)
	right := wd - pad
	plotTop := legendBottom + 20 // room for the totals above the bars
	plotBottom := ht - pad - 22
	if dropped > 0 {
		plotBottom -= 20
	}
	yAxis(&w, top, step, left, right, plotTop, plotBottom)
	scale := (plotBottom - plotTop) / float64(top)

	slot := (right - left) / float64(len(stacks))
	barW := min(slot*0.7, 64)
	separate := barW >= 8

	// Label every bar, shortened to its slot, when a slot has room for a
	// few characters; otherwise label every k-th bar.
	every, labelW := 1, slot-6
	if labelW < 40 {
		longest := 0.0
		for _, s := range stacks {
			longest = max(longest, textWidth(fit(s.label, smallSize, 72), smallSize))
		}
		every = int((longest+8)/slot) + 1
		labelW = float64(every)*slot - 8
	}

	for i, s := range stacks {
		bx := left + float64(i)*slot + (slot-barW)/2
		cx := bx + barW/2
		w.open("g", "class", "bar")
		w.title(s.label + ": " + commas(s.total) + " in total")
		base := plotBottom
		for j, v := range s.values {
			if v == 0 {
				continue
			}
			h := float64(v) * scale
			base -= h
			attrs := []string{"x", num(bx), "y", num(base), "width", num(barW), "height", num(h), "fill", fills[j]}
			if separate {
				attrs = append(attrs, "stroke", colWhite, "stroke-width", "1")
			}
			w.open("rect", attrs...)
			w.title(s.label + ", " + names[j] + ": " + commas(v) + " of " + commas(s.total))
			w.close("rect")
			value := compact(v)
			ink, ok := contrast(fills[j])
			if ok && h >= 16 && textWidth(value, smallSize) <= barW-4 {
				w.label(value, "x", num(cx), "y", num(base+h/2+4), "text-anchor", "middle",
					"font-size", num(smallSize), "fill", ink)
			}
		}
		if s.total > 0 && textWidth(compact(s.total), smallSize) <= slot {
			w.label(compact(s.total), "x", num(cx), "y", num(base-4), "text-anchor", "middle",
				"font-size", num(smallSize))
		}
		if i%every == 0 {
			w.label(fit(s.label, smallSize, labelW), "x", num(cx), "y", num(plotBottom+16),
				"text-anchor", "middle", "font-size", num(smallSize), "fill", colMuted)
		}
		w.close("g")
	}
	if dropped > 0 {
		note := "Showing the last " + strconv.Itoa(len(stacks)) + " of " + commas(len(stacks)+dropped) + " bars."
		w.label(fit(note, smallSize, wd-2*pad), "x", num(pad), "y", num(ht-pad), "font-size", num(smallSize), "fill", colMuted)
	}
	return frame(kind, title, desc, wd, ht, false, w.String())
}

// stackKeys returns the segment names and fills for StackedBars: the keys,
// cleaned, with "Series N" for blank ones and for values beyond the keys
// when there are no keys, and a last "Other" segment for values beyond the
// keys or beyond maxKeys.
func stackKeys(keys, colours []string, bars []Bar) (names, fills []string) {
	longest := 0
	for _, b := range bars {
		longest = max(longest, len(b.Values))
	}
	n := len(keys)
	if n == 0 {
		n = longest
	}
	other := n > maxKeys || len(keys) > 0 && longest > len(keys)
	if n > maxKeys {
		n = maxKeys - 1
	}
	for j := range n {
		name := ""
		if j < len(keys) {
			name = clean(keys[j], maxLabel)
		}
		if name == "" {
			name = "Series " + strconv.Itoa(j+1)
		}
		fill := palette[j%len(palette)]
		if j < len(colours) {
			if c, ok := colour(colours[j]); ok {
				fill = c
			}
		}
		names = append(names, name)
		fills = append(fills, fill)
	}
	if other {
		names = append(names, "Other")
		fills = append(fills, colOther)
	}
	if len(names) == 0 {
		names, fills = []string{"Series 1"}, []string{palette[0]}
	}
	return names, fills
}

// HBars draws horizontal bars, largest first, each with its label above it
// and its value after it, such as the most targeted roles or the largest
// campaigns. Values below zero count as zero. At most 20 bars are drawn; the
// rest are summed in a note under them. A bar whose Href is a relative path
// on this site is a link; other hrefs are dropped.
func HBars(title, desc string, items []Item, width int) string {
	const kind = "hbars"
	type row struct {
		label string
		n     int
		href  string
		order int
	}
	rows := make([]row, len(items))
	total := 0
	for i, it := range items {
		rows[i] = row{n: count(it.N), order: i}
		total = add(total, it.N)
	}
	if total == 0 {
		return noData(kind, title, desc, width)
	}
	slices.SortStableFunc(rows, func(a, b row) int { return cmp.Compare(b.n, a.n) })
	restN, restCount := 0, 0
	if len(rows) > maxItems {
		for _, r := range rows[maxItems-1:] {
			restN = add(restN, r.n)
		}
		restCount = len(rows) - (maxItems - 1)
		rows = rows[:maxItems-1]
	}
	for i := range rows {
		it := items[rows[i].order]
		rows[i].label = clean(it.Label, maxLabel)
		if rows[i].label == "" {
			rows[i].label = "(no name)"
		}
		rows[i].href = safeHref(it.Href)
	}

	wd := float64(clampWidth(width))
	const rowH = 42.0
	ht := pad + float64(len(rows))*rowH + pad
	if restCount > 0 {
		ht += 20
	}
	peak := max(rows[0].n, 1)
	reserve := 0.0
	for _, r := range rows {
		reserve = max(reserve, textWidth(commas(r.n), fontSize))
	}
	barMax := wd - 2*pad - reserve - 8

	var w writer
	linked := false
	for i, r := range rows {
		y := pad + float64(i)*rowH
		w.open("g", "class", "bar")
		w.title(r.label + ": " + commas(r.n))
		labelAttrs := []string{"x", num(pad), "y", num(y + 14)}
		if r.href != "" {
			linked = true
			w.open("a", "href", r.href)
			labelAttrs = append(labelAttrs, "fill", colAccent, "text-decoration", "underline")
		}
		w.label(fit(r.label, fontSize, wd-2*pad), labelAttrs...)
		bw := 0.0
		if r.n > 0 {
			bw = max(float64(r.n)/float64(peak)*barMax, 2)
			w.elem("rect", "x", num(pad), "y", num(y+20), "width", num(bw), "height", "14", "fill", colAccent)
		}
		w.label(commas(r.n), "x", num(pad+bw+6), "y", num(y+32))
		if r.href != "" {
			w.close("a")
		}
		w.close("g")
	}
	if restCount > 0 {
		note := "+" + commas(restCount) + " more, " + commas(restN) + " in total"
		w.label(fit(note, fontSize, wd-2*pad), "x", num(pad), "y", num(ht-pad-4), "fill", colMuted)
	}
	return frame(kind, title, desc, wd, ht, linked, w.String())
}
