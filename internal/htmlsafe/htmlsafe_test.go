package htmlsafe

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// eventAttrRE finds an event handler attribute such as onerror=.
var eventAttrRE = regexp.MustCompile(`(?i)\bon[a-z]+\s*=`)

// forbidden are strings no sanitised output of the test vectors may hold.
var forbidden = []string{"<script", "javascript:", "<img", "<a ", "style=", "<style", "<svg", "<math", "<iframe", "<meta", "<base", "<form"}

func TestSanitizeVectors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings the output must contain
		not  []string // substrings it must not contain, beyond the forbidden ones
	}{
		{name: "script", in: `<p>hello</p><script>alert(1)</script>`, want: []string{"<p>hello</p>"}, not: []string{"alert"}},
		{name: "script upper case with src", in: `<SCRIPT SRC=//evil.example/x.js></SCRIPT>ok`, want: []string{"ok"}, not: []string{"evil"}},
		{name: "split script tag", in: `<scr<script>ipt>alert(1)</script>`, want: []string{"ipt&gt;alert(1)"}},
		{name: "img onerror", in: `<img src=x onerror=alert(1)>`, want: []string{"[image blocked: x]"}, not: []string{"alert"}},
		{name: "img remote", in: `<img src="https://t.example/p.gif?u=42" alt="logo">`, want: []string{"[image blocked: https://t.example/p.gif?u=42]"}},
		{name: "img alt only", in: `<img alt=" Company  logo ">`, want: []string{"[image blocked: Company logo]"}},
		{name: "img nothing", in: `<img>`, want: []string{"[image blocked]"}},
		{name: "link", in: `<a href="https://evil.example/login?a=1&amp;b=2">Sign in</a>`, want: []string{"Sign in [link: https://evil.example/login?a=1&amp;b=2]"}},
		{name: "link without href", in: `<a name="top">top</a>`, want: []string{"top"}, not: []string{"[link"}},
		{name: "link quoting", in: `<a href='https://x.example/"><script>'>x</a>`, want: []string{"[link: https://x.example/&#34;&gt;&lt;script&gt;]"}},
		{name: "javascript URL", in: `<a href="javascript:alert(1)">click</a>`, want: []string{"click [link: javascript[:]alert(1)]"}},
		{name: "javascript URL with tab entity", in: `<a href="jav&#x09;ascript:alert(1)">x</a>`, want: []string{"[link: javascript[:]alert(1)]"}},
		{name: "javascript URL with newline and case", in: "<a href=\" JaVa\nScRiPt:alert(1)\">x</a>", want: []string{"[link: JaVaScRiPt[:]alert(1)]"}},
		{name: "javascript URL with colon entity", in: `<a href="javascript&colon;alert(1)">x</a>`, want: []string{"[link: javascript[:]alert(1)]"}},
		{name: "vbscript URL", in: `<a href="vbscript:msgbox(1)">x</a>`, want: []string{"[link: vbscript[:]msgbox(1)]"}},
		{name: "data URL link", in: `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`, want: []string{"[link: data[:]text/html;base64,…]"}, not: []string{"PHNjcmlw", "data:"}},
		{name: "data URL image", in: `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`, want: []string{"[image blocked: data[:]image/svg+xml;base64,…]"}, not: []string{"data:"}},
		{name: "area", in: `<map><area href="https://evil.example/a"></map>`, want: []string{"[link: https://evil.example/a]"}},
		{name: "svg onload", in: `<svg onload=alert(1)><circle r=1 /></svg>after`, want: []string{"after"}, not: []string{"alert", "circle"}},
		{name: "svg script", in: `<svg><script>alert(1)</script></svg>`, not: []string{"alert"}},
		{name: "math mXSS", in: `<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`, not: []string{"alert", "[image"}},
		{name: "style element", in: `<style>body{background:url(https://evil.example/x)}</style>text`, want: []string{"text"}, not: []string{"evil", "url("}},
		{name: "style expression", in: `<div style="width:expression(alert(1))">x</div>`, want: []string{"<div>x</div>"}, not: []string{"expression"}},
		{name: "style url", in: `<p style="background:url(javascript:alert(1))">x</p>`, want: []string{"<p>x</p>"}, not: []string{"url("}},
		{name: "body onload", in: `<body onload=alert(1) background="https://evil.example/bg.png">x</body>`, want: []string{"x"}, not: []string{"alert", "evil"}},
		{name: "meta refresh", in: `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">x`, want: []string{"x"}, not: []string{"refresh", "alert"}},
		{name: "base href", in: `<base href="javascript:alert(1)//"><a href="/reset">y</a>`, want: []string{"y [link: /reset]"}, not: []string{"alert"}},
		{name: "link stylesheet", in: `<link rel=stylesheet href=//evil.example/x.css>x`, want: []string{"x"}, not: []string{"evil"}},
		{name: "head and title", in: `<html><head><title>secret title</title></head><body>body</body></html>`, want: []string{"body"}, not: []string{"secret"}},
		{name: "iframe srcdoc", in: `<iframe srcdoc="<script>alert(1)</script>" src="https://evil.example"></iframe>x`, want: []string{"x"}, not: []string{"alert", "evil"}},
		{name: "object and embed", in: `<object data="x.swf"><embed src="x.swf">fallback</object>`, not: []string{"swf", "fallback"}},
		{name: "form", in: `<form action="https://evil.example"><input name=p value=v><button>Go</button><textarea>t</textarea><select><option>o</select></form>after`, want: []string{"after"}, not: []string{"evil", "Go", "<input"}},
		{name: "template", in: `<template><script>alert(1)</script>tpl</template>`, not: []string{"alert", "tpl"}},
		{name: "noscript breakout", in: `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, want: []string{"[image blocked: x]"}, not: []string{"alert"}},
		{name: "xmp", in: `<xmp><script>alert(1)</script></xmp>`, want: []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{name: "entity script", in: `&lt;script&gt;alert(1)&lt;/script&gt;`, want: []string{"&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{name: "double-escaped entity", in: `&amp;lt;script&amp;gt;`, want: []string{"&amp;lt;script&amp;gt;"}},
		{name: "comment", in: `<!--<script>alert(1)</script>-->x<!--[if IE]><img src=x><![endif]-->`, want: []string{"x"}, not: []string{"alert", "<!--", "[image"}},
		{name: "unterminated tags", in: `<div><p><b>bold<i>both</div><p>open <span>`, want: []string{"<b>bold<i>both</i></b>", "open <span></span>"}},
		{name: "unterminated attribute", in: `<p title="x>never closed`},
		{name: "misnested", in: `<b><i>x</b>y</i>`, want: []string{"<b><i>x</i></b><i>y</i>"}},
		{name: "table spans", in: `<table><tr><td colspan=2 style="x">a<td rowspan="3x">b<td rowspan="4">c</table>`, want: []string{`<td colspan="2">a</td><td>b</td><td rowspan="4">c</td>`}},
		{name: "span attribute breakout", in: `<table><tr><td colspan="2 onmouseover=alert(1)">a</table>`, want: []string{"<td>a</td>"}, not: []string{"alert"}},
		{name: "unknown and dropped attributes", in: `<p id=x class=y title=z dir=rtl>p</p><font color=red>f</font><center>c</center>`, want: []string{"<p>p</p>fc"}},
		{name: "hidden content shown", in: `<div hidden>h</div><span style="display:none">s</span>`, want: []string{"<div>h</div><span>s</span>"}},
		{name: "pre leading newline", in: "<pre>\n\nx</pre>", want: []string{"<pre>\n\nx</pre>"}},
		{name: "bidi override in link", in: `<a href="https://ex.example/&#x202e;fdp.exe">x</a>`, want: []string{"[link: https://ex.example/[U+202E]fdp.exe]"}},
		{name: "void elements", in: `a<br>b<hr>c<wbr>d`, want: []string{"a<br>b<hr>c", "d"}},
		{name: "NUL", in: "a\x00b<p>\x00</p>", not: []string{"\x00"}},
		{name: "invalid UTF-8", in: "a\xffb", want: []string{"a\uFFFDb"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			checkSafe(t, tc.in, got)
			lower := strings.ToLower(got)
			for _, f := range forbidden {
				if strings.Contains(lower, f) {
					t.Errorf("Sanitize(%q) = %q, contains %q", tc.in, got, f)
				}
			}
			if eventAttrRE.MatchString(got) {
				t.Errorf("Sanitize(%q) = %q, contains an event handler attribute", tc.in, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Sanitize(%q) = %q, want it to contain %q", tc.in, got, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("Sanitize(%q) = %q, contains %q", tc.in, got, n)
				}
			}
		})
	}
}

func TestSanitizeDeepNesting(t *testing.T) {
	tests := []struct {
		name  string
		depth int
		open  string
		close string
	}{
		{"divs within the parser's limit", 300, "<div>", "</div>"},
		{"divs beyond the parser's limit", 5000, "<div>", "</div>"},
		{"unclosed formatting", 20000, "<b>", ""},
		{"unclosed lists", 3000, "<ul><li>", ""},
		{"tables", 400, "<table><tr><td>", "</td></tr></table>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Repeat(tc.open, tc.depth) + "deep text" + strings.Repeat(tc.close, tc.depth)
			got := Sanitize(in)
			checkSafe(t, in, got)
			if !strings.Contains(got, "deep text") {
				t.Errorf("Sanitize of %d levels of %s lost the text: %.200q...", tc.depth, tc.open, got)
			}
		})
	}
}

func TestSanitizeOutputLimit(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"escaped text", strings.Repeat("&", 2<<20)},
		{"links", strings.Repeat(`<a href="h`+strings.Repeat("&", 500)+`">x</a>`, 5000)},
		{"images", strings.Repeat("<img src='a"+strings.Repeat("\x01", 100)+"z'>", 20000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			checkSafe(t, tc.in, got)
			if !strings.Contains(got, "[content truncated]") {
				t.Errorf("Sanitize of %d bytes gave %d bytes without a truncation note", len(tc.in), len(got))
			}
		})
	}
}

// checkSafe checks the invariants every output must meet, whatever the
// input: valid UTF-8 within the size limit; tags that balance, nest at most
// maxDepth deep and carry no attributes but digit spans on table cells;
// only allowed elements, when parsed again as a browser would.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("output is not valid UTF-8: %q", out)
	}
	if limit := 4*len(in) + slack; len(out) > limit {
		t.Errorf("output is %d bytes, more than the limit %d for %d bytes in", len(out), limit, len(in))
	}
	if strings.Contains(strings.ToLower(out), "<script") || strings.Contains(strings.ToLower(out), "<img") ||
		strings.Contains(strings.ToLower(out), "<a ") || strings.Contains(strings.ToLower(out), "<style") {
		t.Errorf("output holds a forbidden tag: %q", out)
	}
	var open []string
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken:
			if !allowed[tok.DataAtom] {
				t.Fatalf("output has a %q element: %q", tok.Data, out)
			}
			checkAttrs(t, tok.DataAtom, tok.Attr, out)
			if !void[tok.DataAtom] {
				open = append(open, tok.Data)
				if len(open) > maxDepth {
					t.Fatalf("output nests elements more than %d deep", maxDepth)
				}
			}
		case html.EndTagToken:
			if len(open) == 0 || open[len(open)-1] != tok.Data {
				t.Fatalf("end tag </%s> does not close the open element (open: %v): %q", tok.Data, open, out)
			}
			open = open[:len(open)-1]
		case html.SelfClosingTagToken, html.CommentToken, html.DoctypeToken:
			t.Fatalf("output has a %v token %q: %q", tt, tok.String(), out)
		}
	}
	if len(open) > 0 {
		t.Fatalf("output leaves %v open: %q", open, out)
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(out), ctx)
	if err != nil {
		t.Fatalf("output does not parse again: %v", err)
	}
	for _, n := range nodes {
		for d := range n.Descendants() {
			checkNode(t, d, out)
		}
		checkNode(t, n, out)
	}
}

func checkNode(t *testing.T, n *html.Node, out string) {
	t.Helper()
	switch n.Type {
	case html.TextNode:
	case html.ElementNode:
		if n.Namespace != "" || !allowed[n.DataAtom] {
			t.Fatalf("output parses to a %s %q element: %q", n.Namespace, n.Data, out)
		}
		checkAttrs(t, n.DataAtom, n.Attr, out)
	default:
		t.Fatalf("output parses to a node of type %v: %q", n.Type, out)
	}
}

func checkAttrs(t *testing.T, a atom.Atom, attrs []html.Attribute, out string) {
	t.Helper()
	for _, at := range attrs {
		if (a != atom.Td && a != atom.Th) || (at.Key != "colspan" && at.Key != "rowspan") || !isSpan(at.Val) {
			t.Fatalf("output has attribute %s=%q on %s: %q", at.Key, at.Val, a, out)
		}
	}
}

func TestTarget(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{" \t\n", ""},
		{"https://example.com/a?b=c#d", "https://example.com/a?b=c#d"},
		{"HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM"},
		{"mailto:a@example.com", "mailto:a@example.com"},
		{"cid:image001.png@01D", "cid:image001.png@01D"},
		{"/relative/path", "/relative/path"},
		{"//evil.example/x", "//evil.example/x"},
		{"\x01javascript:x", "javascript[:]x"},
		{"ms-word:ofe|u|https://evil.example/a.docx", "ms-word[:]ofe|u|https://evil.example/a.docx"},
		{"java script:x", "java script:x"},
		{"https://e.example/\u200bx", "https://e.example/[U+200B]x"},
		{strings.Repeat("a", 2000), strings.Repeat("a", maxURL) + "…"},
	}
	for _, tc := range tests {
		if got := target(tc.in); got != tc.want {
			t.Errorf("target(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSanitize checks that Sanitize never panics and that its output always
// meets the invariants of checkSafe.
func FuzzSanitize(f *testing.F) {
	seeds := []string{
		"", "plain", `<p onclick=x>Hi <a href="javascript:alert(1)">x</a><img src=x onerror=y></p>`,
		`<svg onload=alert(1)><foreignObject><p>x</p></foreignObject></svg>`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<table><tr><td colspan=2>a<td rowspan=3>b</table>`, "<pre>\n\nx</pre>",
		`<noscript><p title="</noscript><img src=x>">`, `<xmp><b></xmp>`, `<plaintext><a>`,
		`<frameset><frame src=x><noframes>n</noframes></frameset>`,
		strings.Repeat("<div>", 600) + "x", strings.Repeat("<b>", 600) + "x",
		`<a href="a">1<a href="b">2</a></a>`, "<!--x--><!DOCTYPE html><![CDATA[x]]>",
		`<select><option><img src=x></select><textarea><b>t</textarea>`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkSafe(t, in, Sanitize(in))
	})
}
