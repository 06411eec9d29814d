package message

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

type htmlBody struct {
	text         string
	links        []Link
	remoteImages int
}

// maxHTMLTokens bounds the work spent on one HTML body.
const maxHTMLTokens = 400_000

// htmlToText renders HTML as plain text for analysis: scripts, styles and
// comments are dropped, block elements become line breaks, and links are
// collected with their visible text. Nothing is fetched.
func htmlToText(s string) htmlBody {
	var out htmlBody
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	z.SetMaxBuf(1 << 20)
	skip := 0 // depth inside script, style, head-level noise
	pre := 0  // depth inside pre and textarea, where line breaks are kept
	var link *Link
	var linkText strings.Builder
	for i := 0; i < maxHTMLTokens; i++ {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out.text = tidy(b.String())
			return out
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if pre == 0 {
				// As in a browser, a line break in the source is only white
				// space: lines end at br and block elements.
				t = strings.Map(breakToSpace, t)
			}
			b.WriteString(t)
			if link != nil && linkText.Len() < 500 {
				linkText.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Title, atom.Svg, atom.Object:
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			case atom.A:
				if tt == html.EndTagToken {
					if link != nil {
						link.Text = strings.Join(strings.Fields(linkText.String()), " ")
						if len(out.links) < 2000 {
							out.links = append(out.links, *link)
						}
						link = nil
					}
					continue
				}
				href := ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = strings.TrimSpace(string(v))
					}
				}
				if href != "" {
					link = &Link{Href: href}
					linkText.Reset()
				}
				continue
			case atom.Img:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "src" {
						src := strings.ToLower(strings.TrimSpace(string(v)))
						if strings.HasPrefix(src, "http:") || strings.HasPrefix(src, "https:") || strings.HasPrefix(src, "//") {
							out.remoteImages++
						}
					}
				}
				continue
			case atom.Pre, atom.Textarea:
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
				b.WriteByte('\n')
			case atom.Br, atom.P, atom.Div, atom.Tr, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4,
				atom.H5, atom.H6, atom.Table, atom.Blockquote, atom.Hr, atom.Ul, atom.Ol, atom.Section:
				b.WriteByte('\n')
			case atom.Td, atom.Th:
				b.WriteByte(' ')
			}
		}
		if b.Len() > 4<<20 {
			break
		}
	}
	out.text = tidy(b.String())
	return out
}

// breakToSpace maps the line breaks of HTML source to spaces.
func breakToSpace(r rune) rune {
	if r == '\n' || r == '\r' || r == '\f' {
		return ' '
	}
	return r
}

// tidy collapses runs of spaces and blank lines left by markup.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\u00a0", " ")
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
