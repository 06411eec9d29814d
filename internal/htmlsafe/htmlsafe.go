// Package htmlsafe turns the HTML of a hostile email into a small, inert
// subset that the security team can read in a browser. Only structural and
// text elements survive, with no attributes beyond table spans; scripts,
// styles, forms and embedded content are dropped with everything inside
// them; links become their text followed by the target as plain text, so
// that nobody can click through to the adversary; images become a note, so
// that nothing remote is ever fetched. Content that the sender hid with
// attributes or styles is shown, since those are removed.
package htmlsafe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const (
	// maxDepth is the deepest nesting of elements in the output; elements
	// below it are unwrapped.
	maxDepth = 100
	// maxURL bounds the bytes of one link or image target shown.
	maxURL = 1000
	// slack is the output allowed beyond 4 bytes per input byte.
	slack = 1 << 20
	// reserve is kept back from the output limit for closing tags and the
	// truncation note.
	reserve = 4 << 10
)

// allowed elements are kept, without attributes except colspan and rowspan
// on table cells.
var allowed = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Div: true, atom.Span: true,
	atom.B: true, atom.Strong: true, atom.I: true, atom.Em: true, atom.U: true,
	atom.S: true, atom.Small: true, atom.Sub: true, atom.Sup: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Table: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Caption: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Code: true, atom.Hr: true,
}

// dropped elements are removed with everything inside them. Besides
// scripts, styles, forms and embedded content this takes the document head
// and the fallback content (noscript, noembed, noframes) a browser would not
// show.
var dropped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Object: true,
	atom.Embed: true, atom.Applet: true, atom.Param: true, atom.Frame: true, atom.Frameset: true,
	atom.Form: true, atom.Input: true, atom.Button: true, atom.Textarea: true, atom.Select: true,
	atom.Svg: true, atom.Math: true, atom.Template: true,
	atom.Noscript: true, atom.Noembed: true, atom.Noframes: true,
	atom.Head: true, atom.Title: true, atom.Meta: true, atom.Link: true, atom.Base: true,
}

// void elements have no end tag.
var void = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true, atom.Embed: true,
	atom.Hr: true, atom.Img: true, atom.Input: true, atom.Keygen: true, atom.Link: true,
	atom.Meta: true, atom.Param: true, atom.Source: true, atom.Track: true, atom.Wbr: true,
	atom.Frame: true, atom.Image: true,
}

// blocks are the allowed elements that start a new line, for the text
// shown when the parser refuses a document.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Br: true, atom.Div: true, atom.Ul: true, atom.Ol: true, atom.Li: true,
	atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true, atom.Tr: true, atom.Caption: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Hr: true,
}

// shownSchemes are the URL schemes whose targets are shown as they are;
// any other scheme is shown defanged, as "javascript[:]...".
var shownSchemes = map[string]bool{
	"http": true, "https": true, "mailto": true, "tel": true, "ftp": true, "cid": true,
}

// Sanitize returns the HTML document src reduced to the safe subset the
// package describes. The result is well-formed: every element it opens is
// closed, in order, and all text is escaped. Elements are nested at
// most 100 deep, and the result is at most 4 bytes per input byte plus
// 1 MB, cut short with a note when it would be longer. HTML nested too
// deeply for the parser (more than 512 elements) is shown as text.
func Sanitize(src string) string {
	s := &sanitizer{max: 4*len(src) + slack}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		s.flat(src)
	} else {
		s.walk(doc)
	}
	return s.b.String()
}

type sanitizer struct {
	b     strings.Builder
	max   int  // bytes of output allowed
	depth int  // elements open in the output
	full  bool // the output was cut short
}

// frame is an element being walked.
type frame struct {
	n      *html.Node
	end    string // end tag written on leaving; "" when the element is unwrapped
	suffix string // text written after the element: a link's target
}

// walk writes the safe form of the tree under root. It walks iteratively,
// so that a deep tree cannot exhaust the stack.
func (s *sanitizer) walk(root *html.Node) {
	var stack []frame
	n := root.FirstChild
	for n != nil {
		f, descend := s.enter(n)
		if descend && n.FirstChild != nil {
			stack = append(stack, f)
			n = n.FirstChild
			continue
		}
		s.leave(f)
		for n.NextSibling == nil && len(stack) > 0 {
			f = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			s.leave(f)
			n = f.n
		}
		n = n.NextSibling
	}
}

// enter writes what comes before n's children and reports whether they
// are to be walked.
func (s *sanitizer) enter(n *html.Node) (frame, bool) {
	f := frame{n: n}
	switch n.Type {
	case html.TextNode:
		s.text(n.Data)
		return f, false
	case html.ElementNode:
	default: // comments, doctypes
		return f, false
	}
	if n.Namespace != "" || dropped[n.DataAtom] {
		return f, false // SVG and MathML content goes with its root
	}
	switch n.DataAtom {
	case atom.A:
		if t := target(attr(n, "href")); t != "" {
			f.suffix = " [link: " + t + "]"
		}
		return f, true
	case atom.Area:
		if t := target(attr(n, "href")); t != "" {
			s.text(" [link: " + t + "]")
		}
		return f, false
	case atom.Img, atom.Image:
		s.text(imageNote(attr(n, "src"), attr(n, "alt")))
		return f, false
	}
	if !allowed[n.DataAtom] || s.depth >= maxDepth || s.full {
		return f, true // unwrapped: the children are kept
	}
	name := n.DataAtom.String()
	tag := "<" + name
	if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
		for _, k := range []string{"colspan", "rowspan"} {
			if v := attr(n, k); isSpan(v) {
				tag += " " + k + `="` + v + `"`
			}
		}
	}
	tag += ">"
	if n.DataAtom == atom.Pre {
		// A newline just after <pre> is dropped by the parser, so one that
		// begins the content has to be doubled to survive.
		if c := n.FirstChild; c != nil && c.Type == html.TextNode && strings.HasPrefix(c.Data, "\n") {
			tag += "\n"
		}
	}
	if !s.write(tag) {
		return f, true
	}
	if !void[n.DataAtom] {
		f.end = "</" + name + ">"
		s.depth++
	}
	return f, true
}

// leave closes what enter opened for f.
func (s *sanitizer) leave(f frame) {
	if f.end != "" {
		s.b.WriteString(f.end) // within the reserve, so never refused
		s.depth--
	}
	if f.suffix != "" {
		s.text(f.suffix)
	}
}

// write appends markup if it fits in the output limit.
func (s *sanitizer) write(markup string) bool {
	if s.full {
		return false
	}
	if s.b.Len()+len(markup) > s.max-reserve {
		s.truncate()
		return false
	}
	s.b.WriteString(markup)
	return true
}

// text appends t escaped, up to the output limit. Invalid UTF-8 and NULs
// become U+FFFD.
func (s *sanitizer) text(t string) {
	if s.full {
		return
	}
	limit := s.max - reserve
	for _, r := range t {
		var esc string
		switch r {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case 0, utf8.RuneError:
			esc = "\uFFFD"
		}
		n := len(esc)
		if esc == "" {
			n = utf8.RuneLen(r)
		}
		if s.b.Len()+n > limit {
			s.truncate()
			return
		}
		if esc != "" {
			s.b.WriteString(esc)
		} else {
			s.b.WriteRune(r)
		}
	}
}

// truncate notes that the output was cut short; nothing but end tags is
// written after it.
func (s *sanitizer) truncate() {
	if !s.full {
		s.full = true
		s.b.WriteString(" [content truncated]")
	}
}

// flat writes the text of src with its link targets and image notes, for
// HTML the parser refused. Block elements become line breaks.
func (s *sanitizer) flat(src string) {
	s.write("<p>[HTML nested too deeply to lay out; its text follows]</p><div>")
	z := html.NewTokenizer(strings.NewReader(src))
	skip := 0  // depth inside dropped elements
	link := "" // target of the open link
	br := true // the last thing written was a line break
	for {
		tt := z.Next()
		if tt == html.ErrorToken || s.full {
			break
		}
		switch tt {
		case html.TextToken:
			if skip == 0 {
				t := z.Text()
				s.text(string(t))
				if strings.TrimSpace(string(t)) != "" {
					br = false
				}
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if dropped[a] {
			switch {
			case tt == html.StartTagToken && !void[a]:
				skip++
			case tt == html.EndTagToken && skip > 0:
				skip--
			}
			continue
		}
		if skip > 0 {
			continue
		}
		attrs := map[string]string{}
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			if _, ok := attrs[string(k)]; !ok && len(attrs) < 50 {
				attrs[string(k)] = string(v)
			}
		}
		switch {
		case a == atom.A && tt == html.EndTagToken:
			if link != "" {
				s.text(" [link: " + link + "]")
				link = ""
			}
		case a == atom.A:
			if link != "" {
				s.text(" [link: " + link + "]")
			}
			link = target(attrs["href"])
		case a == atom.Img || a == atom.Image:
			s.text(imageNote(attrs["src"], attrs["alt"]))
			br = false
		case blocks[a]:
			if !br || a == atom.Br {
				s.write("<br>")
				br = true
			}
		}
	}
	if link != "" {
		s.text(" [link: " + link + "]")
	}
	s.b.WriteString("</div>")
}

// attr returns the value of n's attribute key, "" when absent.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

// isSpan reports whether v is a plausible colspan or rowspan: 1 to 4 digits.
func isSpan(v string) bool {
	if v == "" || len(v) > 4 {
		return false
	}
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// imageNote is the text that stands in for an image: its target src, or
// its alternative text when it has none.
func imageNote(src, alt string) string {
	if t := target(src); t != "" {
		return "[image blocked: " + t + "]"
	}
	if alt := strings.Join(strings.Fields(alt), " "); alt != "" {
		return "[image blocked: " + visible(cut(alt, maxURL)) + "]"
	}
	return "[image blocked]"
}

// target returns a link or image target as it is shown: white space a
// browser ignores removed, control and format characters (bidi overrides,
// zero-width spaces) made visible, a scheme other than the common web and
// mail ones defanged ("javascript[:]..."), data URLs cut after their media
// type and long targets cut short. It returns "" for an empty target.
func target(raw string) string {
	// As a browser does: strip tabs and newlines anywhere, and leading and
	// trailing C0 controls and spaces.
	u := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, raw)
	u = strings.TrimFunc(u, func(r rune) bool { return r <= ' ' })
	if u == "" {
		return ""
	}
	if scheme, rest, ok := strings.Cut(u, ":"); ok && isScheme(scheme) {
		lower := strings.ToLower(scheme)
		if !shownSchemes[lower] {
			if lower == "data" {
				if mediaType, _, ok := strings.Cut(rest, ","); ok {
					rest = mediaType + ",…"
				}
			}
			u = scheme + "[:]" + rest
		}
	}
	return visible(cut(u, maxURL))
}

// isScheme reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" or ".".
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// visible replaces control and format characters, which could hide or
// reorder what an analyst reads, with their code points.
func visible(s string) string {
	if !strings.ContainsFunc(s, hidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "[U+%04X]", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hidden(r rune) bool { return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) }

// cut shortens s to at most n bytes, on a character boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
