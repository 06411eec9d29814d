// Package chart draws the charts on the security team's pages as SVG
// fragments that are embedded inline in server-rendered HTML.
//
// Every function returns a complete <svg> element as a string that is safe to
// wrap in template.HTML: all text, including labels that come from adversaries
// (persona names, sender addresses), is sanitised and escaped; links are kept
// only when they are relative paths on this site; colours are validated. The
// output needs no script and no inline style, so it works under the strict
// Content-Security-Policy, and it parses as XML.
//
// The charts are accessible: the root element has role="img" (role="group"
// when it holds links, so that they stay reachable), a <title> and a <desc>
// referenced by aria-labelledby and aria-describedby, a legend or direct
// labels so that colour never carries meaning alone, and a <title> tooltip
// with the value on every bar and dot. Pages should also offer the numbers as
// a table.
//
// Output is deterministic, so it can be compared with golden files. Sizes are
// in viewBox units with width="100%", so a chart scales to its container; the
// width argument (320 to 1200) is the width the chart is designed for and
// sets how much fits, so pass roughly the width it will be shown at. When
// there is nothing to draw, each function returns a small "No data yet"
// chart. Large inputs are capped and the remainder aggregated or noted.
package chart

import (
	"encoding/hex"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	minWidth     = 320
	maxWidth     = 1200
	defaultWidth = 640

	// maxValue bounds every value and sum drawn, so that arithmetic cannot
	// overflow and float64 holds every value exactly.
	maxValue = 1_000_000_000_000_000

	// maxTitle and maxDesc bound the runes of the chart's title and
	// description; maxLabel bounds a label in a tooltip.
	maxTitle = 200
	maxDesc  = 1000
	maxLabel = 200

	pad = 8.0

	fontSize  = 13.0 // labels
	smallSize = 12.0 // axis ticks

	fontFamily = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
)

// Colours, from the site's stylesheet.
const (
	colText   = "#1b1b1b"
	colMuted  = "#505a5f"
	colLine   = "#b1b4b6"
	colAccent = "#1d4f91"
	colOther  = "#b1b4b6"
	colWhite  = "#ffffff"
	colBlack  = "#0b0c0c"
)

// palette is used for stack segments with no valid colour: first the
// colours of the five report levels, then distinct others.
var palette = [...]string{
	"#505a5f", "#00703c", "#8a5300", "#b3261e", "#6d0a0a",
	"#1d4f91", "#4c2c92", "#28a197", "#d4351c", "#f47738",
}

// writer builds SVG markup; every attribute value and text goes through
// escape.
type writer struct {
	strings.Builder
}

// open writes a start tag with attributes given as name, value pairs.
func (w *writer) open(name string, attrs ...string) {
	w.tag(name, attrs, false)
}

// elem writes an empty element with attributes given as name, value pairs.
func (w *writer) elem(name string, attrs ...string) {
	w.tag(name, attrs, true)
}

func (w *writer) tag(name string, attrs []string, empty bool) {
	w.WriteByte('<')
	w.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		w.WriteByte(' ')
		w.WriteString(attrs[i])
		w.WriteString(`="`)
		w.WriteString(escape(attrs[i+1]))
		w.WriteByte('"')
	}
	if empty {
		w.WriteString("/>\n")
	} else {
		w.WriteString(">")
		if name != "title" && name != "text" && name != "desc" {
			w.WriteByte('\n')
		}
	}
}

// close writes an end tag.
func (w *writer) close(name string) {
	w.WriteString("</")
	w.WriteString(name)
	w.WriteString(">\n")
}

// text writes escaped character data.
func (w *writer) text(s string) {
	w.WriteString(escape(s))
}

// title writes a <title> tooltip.
func (w *writer) title(s string) {
	w.open("title")
	w.text(s)
	w.close("title")
}

// label writes a <text> element holding s.
func (w *writer) label(s string, attrs ...string) {
	w.open("text", attrs...)
	w.text(s)
	w.close("text")
}

// escape makes s safe as XML and HTML character data and as a quoted
// attribute value. s must already be clean (see clean); escape drops
// anything XML cannot hold in case it is not.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			if xmlChar(r) {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	case r == utf8.RuneError:
		return true // U+FFFD itself is allowed
	}
	return r <= unicode.MaxRune
}

// clean turns untrusted text into a single line of at most max runes:
// invalid UTF-8 becomes U+FFFD; control characters and line breaks become
// spaces; invisible format characters such as bidirectional overrides,
// which could make a label read as something else, are dropped; runs of
// space are collapsed. A cut string ends in an ellipsis.
func clean(s string, max int) string {
	out := make([]rune, 0, min(len(s), max+1))
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = len(out) > 0
			continue
		case r == '\u200c' || r == '\u200d':
			// Joiners shape scripts and emoji; keep them.
		case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), !xmlChar(r):
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, r)
		if len(out) > max {
			break
		}
	}
	if len(out) > max {
		out = append(out[:max-1], '…')
	}
	return string(out)
}

// textWidth estimates the width of s in viewBox units at the font size:
// wide (East Asian) characters take a full em, others about 0.6 em.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w * size
}

func runeWidth(r rune) float64 {
	switch {
	case r < 0x1100:
		if r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '@' {
			return 0.85
		}
		if r == 'i' || r == 'l' || r == 'j' || r == '.' || r == ',' || r == ' ' || r == '\'' || r == '|' || r == '!' {
			return 0.35
		}
		return 0.6
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hangul, r),
		unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r),
		r >= 0x1F300 && r <= 0x1FAFF, r >= 0xFF00 && r <= 0xFF60:
		return 1
	}
	return 0.65
}

// fit shortens s with an ellipsis until it is at most width wide at size.
func fit(s string, size, width float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	limit := width - textWidth("…", size)
	w := 0.0
	for i, r := range s {
		w += runeWidth(r) * size
		if w > limit {
			return strings.TrimRight(s[:i], " ") + "…"
		}
	}
	return s
}

// num formats a coordinate with at most one decimal.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	f = math.Round(f*10) / 10
	if f == 0 {
		return "0" // no "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// count clamps a value to [0, maxValue].
func count(v int) int {
	if v < 0 {
		return 0
	}
	if v > maxValue {
		return maxValue
	}
	return v
}

// add adds two counts, saturating at maxValue.
func add(a, b int) int {
	return count(count(a) + count(b))
}

// commas formats a count with thousands separators; a value at the cap is
// shown with a plus.
func commas(v int) string {
	s := strconv.Itoa(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if v >= maxValue {
		b.WriteByte('+')
	}
	return b.String()
}

// compact formats an axis tick: 950, 9,500, 12k, 2.5M.
func compact(v int) string {
	if v < 10_000 {
		return commas(v)
	}
	units := []struct {
		div    float64
		suffix string
	}{{1e15, "Q"}, {1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}}
	for _, u := range units {
		if float64(v) >= u.div {
			f := math.Round(float64(v)/u.div*10) / 10
			return strconv.FormatFloat(f, 'f', -1, 64) + u.suffix
		}
	}
	return commas(v)
}

// plural returns "1 event" or "3 events".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return commas(n) + " " + many
}

// ticks returns a round axis top and step for values up to max (> 0),
// giving about five intervals.
func ticks(max int) (top, step int) {
	raw := float64(max) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 1
	for _, m := range []float64{1, 2, 5, 10} {
		if s := m * mag; s >= raw {
			step = int(math.Round(s))
			break
		}
	}
	if step < 1 {
		step = 1
	}
	top = (max + step - 1) / step * step
	return top, step
}

// clampWidth returns the design width: the default for zero or less,
// otherwise width within [320, 1200].
func clampWidth(width int) int {
	if width <= 0 {
		return defaultWidth
	}
	return min(max(width, minWidth), maxWidth)
}

// colour returns c lower-cased as #rrggbb when it is #rgb or #rrggbb, and
// ok false otherwise.
func colour(c string) (string, bool) {
	if len(c) != 4 && len(c) != 7 || c[0] != '#' {
		return "", false
	}
	for i := 1; i < len(c); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c[i])) {
			return "", false
		}
	}
	c = strings.ToLower(c)
	if len(c) == 4 {
		c = string([]byte{'#', c[1], c[1], c[2], c[2], c[3], c[3]})
	}
	return c, true
}

// luminance is the relative luminance of a #rrggbb colour (WCAG 2).
func luminance(c string) float64 {
	b, err := hex.DecodeString(c[1:])
	if err != nil || len(b) != 3 {
		return 0
	}
	ch := func(v byte) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(b[0]) + 0.7152*ch(b[1]) + 0.0722*ch(b[2])
}

// contrast returns the text colour that reads best on fill, and whether its
// contrast ratio reaches 4.5:1.
func contrast(fill string) (string, bool) {
	l := luminance(fill)
	white := 1.05 / (l + 0.05)
	black := (l + 0.05) / (luminance(colBlack) + 0.05)
	if white >= black {
		return colWhite, white >= 4.5
	}
	return colBlack, black >= 4.5
}

// safeHref returns h when it is a relative path on this site: it starts
// with one "/", has no scheme, host, backslash, space or control character,
// and uses only URL characters. Anything else returns "".
func safeHref(h string) string {
	if len(h) == 0 || len(h) > 2000 || h[0] != '/' || strings.HasPrefix(h, "//") {
		return ""
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~/?#[]@!$&'()*+,;=%:", c) >= 0:
		default:
			return ""
		}
	}
	return h
}

// frame wraps a chart body in the root <svg> element with its title and
// description. kind names the chart in its class and the ids of the title
// and description, which are derived from the content so that two charts on
// one page do not share ids.
func frame(kind, title, desc string, width, height float64, linked bool, body string) string {
	title = clean(title, maxTitle)
	if title == "" {
		title = "Chart"
	}
	desc = clean(desc, maxDesc)
	h := fnv.New64a()
	for _, s := range []string{kind, title, desc, num(width), num(height), body} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	id := "chart-" + kind + "-" + strconv.FormatUint(h.Sum64()&0xffffffffffff, 36)
	role := "img"
	if linked {
		role = "group"
	}
	attrs := []string{
		"xmlns", "http://www.w3.org/2000/svg",
		"class", "chart chart-" + kind,
		"viewBox", "0 0 " + num(width) + " " + num(height),
		"width", "100%",
		"preserveAspectRatio", "xMidYMid meet",
		"role", role,
		"aria-labelledby", id + "-title",
	}
	if desc != "" {
		attrs = append(attrs, "aria-describedby", id+"-desc")
	}
	attrs = append(attrs, "font-family", fontFamily, "font-size", num(fontSize), "fill", colText)
	var w writer
	w.open("svg", attrs...)
	w.open("title", "id", id+"-title")
	w.text(title)
	w.close("title")
	if desc != "" {
		w.open("desc", "id", id+"-desc")
		w.text(desc)
		w.close("desc")
	}
	w.WriteString(body)
	w.close("svg")
	return w.String()
}

// noData returns the chart shown when there is nothing to draw.
func noData(kind, title, desc string, width int) string {
	wd := float64(clampWidth(width))
	ht := 120.0
	if d := clean(desc, maxDesc); d != "" {
		desc = d + " No data yet."
	} else {
		desc = "No data yet."
	}
	var w writer
	w.elem("rect", "x", num(pad/2), "y", num(pad/2), "width", num(wd-pad), "height", num(ht-pad),
		"fill", "#f3f2f1", "stroke", colLine, "stroke-width", "1", "stroke-dasharray", "6 4")
	w.label("No data yet", "x", num(wd/2), "y", num(ht/2+6), "text-anchor", "middle",
		"font-size", "16", "fill", colMuted)
	return frame(kind, title, desc, wd, ht, false, w.String())
}

// yAxis draws horizontal grid lines with tick labels for values 0..top
// between plot bottom (value 0) and plot top, with labels ending at x left-6.
func yAxis(w *writer, top, step int, left, right, plotTop, plotBottom float64) {
	w.open("g", "font-size", num(smallSize), "fill", colMuted, "text-anchor", "end")
	for v := 0; v <= top; v += step {
		y := plotBottom - float64(v)/float64(top)*(plotBottom-plotTop)
		stroke := colLine
		if v == 0 {
			stroke = colMuted
		}
		w.elem("line", "x1", num(left), "x2", num(right), "y1", num(y), "y2", num(y),
			"stroke", stroke, "stroke-width", "1")
		w.label(compact(v), "x", num(left-6), "y", num(y+4))
		if v > maxValue-step {
			break
		}
	}
	w.close("g")
}

// yAxisWidth is the room the tick labels of yAxis need.
func yAxisWidth(top, step int) float64 {
	wd := 0.0
	for v := 0; v <= top; v += step {
		wd = max(wd, textWidth(compact(v), smallSize))
		if v > maxValue-step {
			break
		}
	}
	return wd + 8
}
