package stix

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file parses the STIX 2.1 patterning language as the OASIS grammar
// STIXPattern.g4 (cti-pattern-validator, STIX 2.1) defines it:
//
//	pattern      = observations EOF
//	observations = obsOr { FOLLOWEDBY obsOr }
//	obsOr        = obsAnd { OR obsAnd }
//	obsAnd       = obs { AND obs }
//	obs          = ( "[" cmpOr "]" | "(" observations ")" ) { qualifier }
//	qualifier    = WITHIN (int|float) SECONDS | REPEATS int TIMES | START t'..' STOP t'..'
//	cmpOr        = cmpAnd { OR cmpAnd }
//	cmpAnd       = test { AND test }
//	test         = path [NOT] (= | == | != | <>) literal
//	             | path [NOT] (< | <= | > | >=) orderable
//	             | path [NOT] IN "(" [literal {"," literal}] ")"
//	             | path [NOT] (LIKE | MATCHES | ISSUBSET | ISSUPERSET) string
//	             | EXISTS path | "(" cmpOr ")"
//	path         = type ":" (name | string) { "." (name | string) | "[" (int | "*") "]" }
//
// Keywords are upper case and true/false lower case, as in the grammar.
// Every construct parses; =, IN, LIKE and MATCHES (with NOT) are evaluated
// by Comparison.Test, and the rest are listed by Pattern.Unsupported.

// Limits on hostile patterns.
const (
	maxPatternBytes = 1 << 20 // a pattern longer than this is refused
	maxPatternDepth = 100     // nested parentheses and brackets
)

// PatternError is a syntax error in a STIX pattern, at a column counted in
// characters from 1.
type PatternError struct {
	Column int
	Msg    string
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("pattern: column %d: %s", e.Column, e.Msg)
}

// ErrUnsupported is wrapped by the errors of operators and qualifiers that
// parse but that Portcullis does not evaluate.
var ErrUnsupported = errors.New("not supported")

// Pattern is a parsed STIX pattern.
type Pattern struct {
	Root Expr
}

// Expr is an observation expression: *Observation, *ObservationOp or
// *Qualified.
type Expr interface{ exprNode() }

// Observation is a comparison expression in square brackets: it holds when
// one observed object satisfies Cond.
type Observation struct {
	Cond   Cond
	Column int
}

// ObservationOp joins two observation expressions with AND, OR or
// FOLLOWEDBY.
type ObservationOp struct {
	Op          string
	Left, Right Expr
	Column      int // of the operator
}

// Qualified is an observation expression with a qualifier: WITHIN n
// SECONDS, REPEATS n TIMES or START t'..' STOP t'..'.
type Qualified struct {
	Expr        Expr
	Qualifier   string // WITHIN, REPEATS or START
	Seconds     float64
	Times       int64
	Start, Stop time.Time
	Column      int
}

// Cond is a comparison expression inside an observation: *Comparison or
// *CondOp.
type Cond interface{ condNode() }

// CondOp joins two comparison expressions with AND or OR.
type CondOp struct {
	Op          string
	Left, Right Cond
	Column      int
}

// Comparison tests one property of an object.
type Comparison struct {
	Path Path
	Not  bool
	// Op is one of = != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET
	// EXISTS ("==" reads as "=" and "<>" as "!=").
	Op     string
	Values []Literal // one value; the set for IN; none for EXISTS
	Column int
}

// Path is an object path such as file:hashes.'SHA-256' or
// email-message:to_refs[*].value.
type Path struct {
	ObjectType string
	Steps      []Step
}

// Step is one step of an object path: a property name or a list index.
type Step struct {
	Key     string
	IsIndex bool
	Index   int64
	Any     bool // [*]
}

// LiteralKind says what a literal is.
type LiteralKind int

// Literal kinds.
const (
	LitString LiteralKind = iota
	LitInt
	LitFloat
	LitBool
	LitTimestamp
	LitBinary // b'base64'
	LitHex    // h'hex'
)

// Literal is a constant in a pattern.
type Literal struct {
	Kind  LiteralKind
	Str   string // the string, unescaped
	Int   int64
	Float float64
	Bool  bool
	Time  time.Time
	Bytes []byte // binary and hex
	Raw   string // as written
}

func (*Observation) exprNode()   {}
func (*ObservationOp) exprNode() {}
func (*Qualified) exprNode()     {}
func (*CondOp) condNode()        {}
func (*Comparison) condNode()    {}

// ParsePattern parses a STIX 2.1 pattern. Errors are *PatternError and
// read like "pattern: column 17: expected ']'".
func ParsePattern(s string) (*Pattern, error) {
	if len(s) > maxPatternBytes {
		return nil, &PatternError{Column: 1, Msg: fmt.Sprintf("pattern longer than %d bytes", maxPatternBytes)}
	}
	if !utf8.ValidString(s) {
		off := 0
		for off < len(s) {
			r, n := utf8.DecodeRuneInString(s[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		return nil, lexErr(s, off, "invalid UTF-8")
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{src: s, toks: toks}
	root, err := p.observations()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t, "unexpected "+t.describe())
	}
	return &Pattern{Root: root}, nil
}

// ---- lexer ----

type tokKind int

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tOp      // = != < <= > >=
	tKeyword // AND OR NOT ...
	tIdent
	tString
	tInt
	tFloat
	tBool
	tHex
	tBinary
	tTimestamp
)

type token struct {
	kind   tokKind
	text   string // as written (keywords and operators normalised)
	off    int    // byte offset
	col    int    // column, in characters from 1
	hyphen bool   // an identifier with '-'
	lit    Literal
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of pattern"
	case tString:
		return "string " + shorten(t.text)
	case tIdent:
		return "name " + strconv.Quote(shorten(t.text))
	}
	return "'" + shorten(t.text) + "'"
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) > 30 {
		r := []rune(s)
		return string(r[:27]) + "..."
	}
	return s
}

var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "FOLLOWEDBY": true, "LIKE": true, "MATCHES": true,
	"ISSUPERSET": true, "ISSUBSET": true, "EXISTS": true, "LAST": true, "IN": true, "START": true,
	"STOP": true, "SECONDS": true, "WITHIN": true, "REPEATS": true, "TIMES": true,
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\v', '\f', 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func column(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

func lexErr(src string, off int, format string, args ...any) error {
	return &PatternError{Column: column(src, off), Msg: fmt.Sprintf(format, args...)}
}

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for {
		// White space and comments.
		for i < len(src) {
			r, n := utf8.DecodeRuneInString(src[i:])
			switch {
			case r == utf8.RuneError && n == 1:
				return nil, lexErr(src, i, "invalid UTF-8")
			case isSpace(r):
				i += n
				continue
			case strings.HasPrefix(src[i:], "/*"):
				end := strings.Index(src[i+2:], "*/")
				if end < 0 {
					return nil, lexErr(src, i, "unterminated comment")
				}
				i += 2 + end + 2
				continue
			case strings.HasPrefix(src[i:], "//"):
				end := strings.IndexAny(src[i:], "\r\n")
				if end < 0 {
					end = len(src) - i
				}
				i += end
				continue
			}
			break
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, off: len(src)})
			setColumns(src, toks)
			return toks, nil
		}
		start := i
		c := src[i]
		one := func(k tokKind) {
			toks = append(toks, token{kind: k, text: src[i : i+1], off: i})
			i++
		}
		op := func(text string, n int) {
			toks = append(toks, token{kind: tOp, text: text, off: i})
			i += n
		}
		switch {
		case c == '[':
			one(tLBrack)
		case c == ']':
			one(tRBrack)
		case c == '(':
			one(tLParen)
		case c == ')':
			one(tRParen)
		case c == ':':
			one(tColon)
		case c == ',':
			one(tComma)
		case c == '*':
			one(tStar)
		case c == '.' && i+1 < len(src) && isDigit(src[i+1]):
			t, n, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		case c == '.':
			one(tDot)
		case c == '=':
			if strings.HasPrefix(src[i:], "==") {
				op("=", 2)
			} else {
				op("=", 1)
			}
		case c == '!':
			if !strings.HasPrefix(src[i:], "!=") {
				return nil, lexErr(src, i, "unexpected '!' (did you mean '!='?)")
			}
			op("!=", 2)
		case c == '<':
			switch {
			case strings.HasPrefix(src[i:], "<="):
				op("<=", 2)
			case strings.HasPrefix(src[i:], "<>"):
				op("!=", 2)
			default:
				op("<", 1)
			}
		case c == '>':
			if strings.HasPrefix(src[i:], ">=") {
				op(">=", 2)
			} else {
				op(">", 1)
			}
		case c == '\'':
			s, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tString, text: src[i : i+n], off: i, lit: Literal{Kind: LitString, Str: s, Raw: src[i : i+n]}})
			i += n
		case isDigit(c) || (c == '+' || c == '-') && i+1 < len(src) && (isDigit(src[i+1]) || src[i+1] == '.' && i+2 < len(src) && isDigit(src[i+2])):
			t, n, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		case (c == 't' || c == 'h' || c == 'b') && i+1 < len(src) && src[i+1] == '\'':
			t, n, err := lexTyped(src, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += n
		case isIdentStart(c):
			j := i + 1
			hyphen := false
			for j < len(src) && (isIdentStart(src[j]) || isDigit(src[j]) || src[j] == '-') {
				hyphen = hyphen || src[j] == '-'
				j++
			}
			word := src[i:j]
			switch {
			case keywords[word]:
				toks = append(toks, token{kind: tKeyword, text: word, off: i})
			case word == "true" || word == "false":
				toks = append(toks, token{kind: tBool, text: word, off: i, lit: Literal{Kind: LitBool, Bool: word == "true", Raw: word}})
			default:
				toks = append(toks, token{kind: tIdent, text: word, off: i, hyphen: hyphen})
			}
			i = j
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, lexErr(src, start, "unexpected character %q", r)
		}
	}
}

// setColumns numbers the tokens' columns in one pass over src.
func setColumns(src string, toks []token) {
	col, off := 1, 0
	for i := range toks {
		col += utf8.RuneCountInString(src[off:toks[i].off])
		off = toks[i].off
		toks[i].col = col
	}
}

// lexString reads a quoted string at src[i]: any character but ' and \, or
// the escapes \' and \\.
func lexString(src string, i int) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		switch c := src[j]; c {
		case '\'':
			return b.String(), j + 1 - i, nil
		case '\\':
			if j+1 < len(src) && (src[j+1] == '\'' || src[j+1] == '\\') {
				b.WriteByte(src[j+1])
				j += 2
				continue
			}
			if j+1 >= len(src) {
				return "", 0, lexErr(src, i, "unterminated string")
			}
			r, _ := utf8.DecodeRuneInString(src[j+1:])
			return "", 0, lexErr(src, j, "invalid escape '\\%c' in string (only \\' and \\\\ are allowed)", r)
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, lexErr(src, i, "unterminated string")
}

// lexNumber reads [+-]? digits [. digits] at src[i].
func lexNumber(src string, i int) (token, int, error) {
	j := i
	if src[j] == '+' || src[j] == '-' {
		j++
	}
	ds := j
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	intDigits := src[ds:j]
	if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
		j++
		for j < len(src) && isDigit(src[j]) {
			j++
		}
		raw := src[i:j]
		f, err := strconv.ParseFloat(strings.TrimPrefix(raw, "+"), 64)
		if err != nil || math.IsInf(f, 0) {
			return token{}, 0, lexErr(src, i, "number %s is out of range", shorten(raw))
		}
		return token{kind: tFloat, text: raw, off: i, lit: Literal{Kind: LitFloat, Float: f, Raw: raw}}, j - i, nil
	}
	raw := src[i:j]
	if len(intDigits) > 1 && intDigits[0] == '0' {
		return token{}, 0, lexErr(src, i, "invalid number %s: leading zero", shorten(raw))
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(raw, "+"), 10, 64)
	if err != nil {
		return token{}, 0, lexErr(src, i, "number %s is out of range", shorten(raw))
	}
	return token{kind: tInt, text: raw, off: i, lit: Literal{Kind: LitInt, Int: n, Raw: raw}}, j - i, nil
}

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

var timestampRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?Z$`)

// lexTyped reads t'timestamp', h'hex' or b'base64' at src[i].
func lexTyped(src string, i int) (token, int, error) {
	end := strings.IndexByte(src[i+2:], '\'')
	if end < 0 {
		return token{}, 0, lexErr(src, i, "unterminated %c'...' literal", src[i])
	}
	body := src[i+2 : i+2+end]
	raw := src[i : i+2+end+1]
	n := len(raw)
	switch src[i] {
	case 't':
		if !timestampRE.MatchString(body) {
			return token{}, 0, lexErr(src, i, "invalid timestamp %s: want t'YYYY-MM-DDTHH:MM:SS[.s]Z'", shorten(raw))
		}
		tm, err := time.Parse(time.RFC3339Nano, strings.Replace(body, ":60", ":59", 1))
		if err != nil {
			return token{}, 0, lexErr(src, i, "invalid timestamp %s", shorten(raw))
		}
		return token{kind: tTimestamp, text: raw, off: i, lit: Literal{Kind: LitTimestamp, Time: tm, Raw: raw}}, n, nil
	case 'h':
		b, err := hex.DecodeString(body)
		if err != nil {
			return token{}, 0, lexErr(src, i, "invalid hex literal %s", shorten(raw))
		}
		return token{kind: tHex, text: raw, off: i, lit: Literal{Kind: LitHex, Bytes: b, Raw: raw}}, n, nil
	default:
		if body == "" || len(body)%4 != 0 || strings.Trim(body, base64Chars) != "" {
			return token{}, 0, lexErr(src, i, "invalid binary literal %s: want padded base64", shorten(raw))
		}
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return token{}, 0, lexErr(src, i, "invalid binary literal %s: want padded base64", shorten(raw))
		}
		return token{kind: tBinary, text: raw, off: i, lit: Literal{Kind: LitBinary, Bytes: b, Raw: raw}}, n, nil
	}
}

// ---- parser ----

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tKeyword && t.text == kw
}

func (p *parser) errAt(t token, msg string) error {
	if t.kind == tIdent && keywords[strings.ToUpper(t.text)] {
		msg += fmt.Sprintf(" (keywords are upper case: %s)", strings.ToUpper(t.text))
	}
	return &PatternError{Column: t.col, Msg: msg}
}

func (p *parser) expect(k tokKind, what string) (token, error) {
	t := p.peek()
	if t.kind != k {
		return t, p.errAt(t, "expected "+what)
	}
	return p.next(), nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxPatternDepth {
		return p.errAt(p.peek(), fmt.Sprintf("nested more than %d deep", maxPatternDepth))
	}
	return nil
}

func (p *parser) observations() (Expr, error) {
	left, err := p.obsOr()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("FOLLOWEDBY") {
		op := p.next()
		right, err := p.obsOr()
		if err != nil {
			return nil, err
		}
		left = &ObservationOp{Op: "FOLLOWEDBY", Left: left, Right: right, Column: op.col}
	}
	return left, nil
}

func (p *parser) obsOr() (Expr, error) {
	left, err := p.obsAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		op := p.next()
		right, err := p.obsAnd()
		if err != nil {
			return nil, err
		}
		left = &ObservationOp{Op: "OR", Left: left, Right: right, Column: op.col}
	}
	return left, nil
}

func (p *parser) obsAnd() (Expr, error) {
	left, err := p.observation()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		op := p.next()
		right, err := p.observation()
		if err != nil {
			return nil, err
		}
		left = &ObservationOp{Op: "AND", Left: left, Right: right, Column: op.col}
	}
	return left, nil
}

func (p *parser) observation() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var e Expr
	t := p.peek()
	switch t.kind {
	case tLBrack:
		p.next()
		c, err := p.cmpOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRBrack, "']'"); err != nil {
			return nil, err
		}
		e = &Observation{Cond: c, Column: t.col}
	case tLParen:
		p.next()
		inner, err := p.observations()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		e = inner
	default:
		return nil, p.errAt(t, "expected '[' or '(' to start an observation, found "+t.describe())
	}
	for {
		q := p.peek()
		if q.kind != tKeyword {
			return e, nil
		}
		col := q.col
		switch q.text {
		case "WITHIN":
			p.next()
			n := p.next()
			var secs float64
			switch {
			case n.kind == tInt && n.lit.Int > 0:
				secs = float64(n.lit.Int)
			case n.kind == tFloat && n.lit.Float > 0:
				secs = n.lit.Float
			default:
				return nil, p.errAt(n, "expected a positive number of seconds after WITHIN")
			}
			if _, err := p.expectKeyword("SECONDS"); err != nil {
				return nil, err
			}
			e = &Qualified{Expr: e, Qualifier: "WITHIN", Seconds: secs, Column: col}
		case "REPEATS":
			p.next()
			n := p.next()
			if n.kind != tInt || n.lit.Int <= 0 {
				return nil, p.errAt(n, "expected a positive whole number after REPEATS")
			}
			if _, err := p.expectKeyword("TIMES"); err != nil {
				return nil, err
			}
			e = &Qualified{Expr: e, Qualifier: "REPEATS", Times: n.lit.Int, Column: col}
		case "START":
			p.next()
			a := p.next()
			if a.kind != tTimestamp {
				return nil, p.errAt(a, "expected a timestamp t'...' after START")
			}
			if _, err := p.expectKeyword("STOP"); err != nil {
				return nil, err
			}
			b := p.next()
			if b.kind != tTimestamp {
				return nil, p.errAt(b, "expected a timestamp t'...' after STOP")
			}
			e = &Qualified{Expr: e, Qualifier: "START", Start: a.lit.Time, Stop: b.lit.Time, Column: col}
		default:
			return e, nil
		}
	}
}

func (p *parser) expectKeyword(kw string) (token, error) {
	if !p.isKeyword(kw) {
		return p.peek(), p.errAt(p.peek(), "expected "+kw)
	}
	return p.next(), nil
}

func (p *parser) cmpOr() (Cond, error) {
	left, err := p.cmpAnd()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		op := p.next()
		right, err := p.cmpAnd()
		if err != nil {
			return nil, err
		}
		left = &CondOp{Op: "OR", Left: left, Right: right, Column: op.col}
	}
	return left, nil
}

func (p *parser) cmpAnd() (Cond, error) {
	left, err := p.test()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		op := p.next()
		right, err := p.test()
		if err != nil {
			return nil, err
		}
		left = &CondOp{Op: "AND", Left: left, Right: right, Column: op.col}
	}
	return left, nil
}

func (p *parser) test() (Cond, error) {
	t := p.peek()
	if t.kind == tLParen {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.next()
		c, err := p.cmpOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return c, nil
	}
	col := t.col
	if p.isKeyword("EXISTS") {
		p.next()
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &Comparison{Path: path, Op: "EXISTS", Column: col}, nil
	}
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Path: path, Column: col}
	if p.isKeyword("NOT") {
		p.next()
		c.Not = true
	}
	o := p.next()
	switch {
	case o.kind == tOp && (o.text == "=" || o.text == "!="):
		c.Op = o.text
		l, err := p.literal(true)
		if err != nil {
			return nil, err
		}
		c.Values = []Literal{l}
	case o.kind == tOp:
		c.Op = o.text
		l, err := p.literal(false)
		if err != nil {
			return nil, err
		}
		c.Values = []Literal{l}
	case o.kind == tKeyword && o.text == "IN":
		c.Op = "IN"
		if _, err := p.expect(tLParen, "'(' to start the set after IN"); err != nil {
			return nil, err
		}
		if p.peek().kind == tRParen {
			p.next()
			break
		}
		for {
			l, err := p.literal(true)
			if err != nil {
				return nil, err
			}
			c.Values = append(c.Values, l)
			if p.peek().kind == tComma {
				p.next()
				continue
			}
			if _, err := p.expect(tRParen, "',' or ')' in the set"); err != nil {
				return nil, err
			}
			break
		}
	case o.kind == tKeyword && (o.text == "LIKE" || o.text == "MATCHES" || o.text == "ISSUBSET" || o.text == "ISSUPERSET"):
		c.Op = o.text
		s := p.next()
		if s.kind != tString {
			return nil, p.errAt(s, "expected a string after "+o.text)
		}
		c.Values = []Literal{s.lit}
	default:
		return nil, p.errAt(o, "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET), found "+o.describe())
	}
	return c, nil
}

// literal reads a primitive literal; bool only when eq (the grammar's
// orderable literals exclude booleans).
func (p *parser) literal(eq bool) (Literal, error) {
	t := p.next()
	switch t.kind {
	case tString, tInt, tFloat, tTimestamp, tHex, tBinary:
		return t.lit, nil
	case tBool:
		if eq {
			return t.lit, nil
		}
		return Literal{}, p.errAt(t, "booleans cannot be ordered")
	}
	return Literal{}, p.errAt(t, "expected a value (a 'string', number, true, false, t'...', h'...' or b'...'), found "+t.describe())
}

func (p *parser) path() (Path, error) {
	t := p.next()
	if t.kind != tIdent {
		return Path{}, p.errAt(t, "expected an object type such as email-addr, found "+t.describe())
	}
	path := Path{ObjectType: t.text}
	if _, err := p.expect(tColon, "':' after the object type"); err != nil {
		return Path{}, err
	}
	first := p.next()
	switch {
	case first.kind == tIdent && !first.hyphen:
		path.Steps = append(path.Steps, Step{Key: first.text})
	case first.kind == tString:
		path.Steps = append(path.Steps, Step{Key: first.lit.Str})
	case first.kind == tIdent:
		return Path{}, p.errAt(first, fmt.Sprintf("property names cannot contain '-': quote it, '%s'", first.text))
	default:
		return Path{}, p.errAt(first, "expected a property name, found "+first.describe())
	}
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			k := p.next()
			switch {
			case k.kind == tIdent && !k.hyphen:
				path.Steps = append(path.Steps, Step{Key: k.text})
			case k.kind == tString:
				path.Steps = append(path.Steps, Step{Key: k.lit.Str})
			case k.kind == tIdent:
				return Path{}, p.errAt(k, fmt.Sprintf("property names cannot contain '-': quote it, '%s'", k.text))
			default:
				return Path{}, p.errAt(k, "expected a property name after '.', found "+k.describe())
			}
		case tLBrack:
			p.next()
			k := p.next()
			switch k.kind {
			case tInt:
				path.Steps = append(path.Steps, Step{IsIndex: true, Index: k.lit.Int})
			case tStar:
				path.Steps = append(path.Steps, Step{IsIndex: true, Any: true})
			default:
				return Path{}, p.errAt(k, "expected a list index or '*', found "+k.describe())
			}
			if _, err := p.expect(tRBrack, "']' after the list index"); err != nil {
				return Path{}, err
			}
		default:
			return path, nil
		}
	}
}

// ---- rendering ----

// String renders the pattern in a normal form that ParsePattern reads back
// to the same pattern.
func (p *Pattern) String() string {
	var b strings.Builder
	writeExpr(&b, p.Root, "", false)
	return b.String()
}

// writeExpr renders e; parent is the operator of the enclosing expression
// and left whether e is its left operand. Parentheses keep the tree: none
// for a left operand with the parent's operator (the grammar is left
// associative), otherwise around every nested operator.
func writeExpr(b *strings.Builder, e Expr, parent string, left bool) {
	switch x := e.(type) {
	case *Observation:
		b.WriteByte('[')
		writeCond(b, x.Cond, "", false)
		b.WriteByte(']')
	case *ObservationOp:
		paren := parent != "" && !(left && parent == x.Op)
		if paren {
			b.WriteByte('(')
		}
		writeExpr(b, x.Left, x.Op, true)
		b.WriteString(" " + x.Op + " ")
		writeExpr(b, x.Right, x.Op, false)
		if paren {
			b.WriteByte(')')
		}
	case *Qualified:
		writeExpr(b, x.Expr, "qualifier", false)
		switch x.Qualifier {
		case "WITHIN":
			secs := formatFloat(x.Seconds)
			if x.Seconds == math.Trunc(x.Seconds) && x.Seconds < 1e15 {
				secs = strconv.FormatInt(int64(x.Seconds), 10)
			}
			b.WriteString(" WITHIN " + secs + " SECONDS")
		case "REPEATS":
			fmt.Fprintf(b, " REPEATS %d TIMES", x.Times)
		case "START":
			b.WriteString(" START t'" + x.Start.UTC().Format(time.RFC3339Nano) + "' STOP t'" + x.Stop.UTC().Format(time.RFC3339Nano) + "'")
		}
	}
}

func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func writeCond(b *strings.Builder, c Cond, parent string, left bool) {
	switch x := c.(type) {
	case *CondOp:
		paren := parent != "" && !(left && parent == x.Op)
		if paren {
			b.WriteByte('(')
		}
		writeCond(b, x.Left, x.Op, true)
		b.WriteString(" " + x.Op + " ")
		writeCond(b, x.Right, x.Op, false)
		if paren {
			b.WriteByte(')')
		}
	case *Comparison:
		b.WriteString(x.String())
	}
}

// String renders the comparison as pattern text.
func (c *Comparison) String() string {
	var b strings.Builder
	if c.Op == "EXISTS" {
		return "EXISTS " + c.Path.String()
	}
	b.WriteString(c.Path.String())
	if c.Not {
		b.WriteString(" NOT")
	}
	b.WriteString(" " + c.Op + " ")
	if c.Op == "IN" {
		b.WriteByte('(')
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteByte(')')
		return b.String()
	}
	if len(c.Values) > 0 {
		b.WriteString(c.Values[0].String())
	}
	return b.String()
}

// String renders the path as pattern text, quoting names that need it.
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.ObjectType + ":")
	for i, s := range p.Steps {
		switch {
		case s.IsIndex && s.Any:
			b.WriteString("[*]")
		case s.IsIndex:
			fmt.Fprintf(&b, "[%d]", s.Index)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			if plainName(s.Key) {
				b.WriteString(s.Key)
			} else {
				b.WriteString(quote(s.Key))
			}
		}
	}
	return b.String()
}

func plainName(s string) bool {
	if s == "" || !isIdentStart(s[0]) || keywords[s] || s == "true" || s == "false" {
		return false
	}
	if len(s) > 1 && s[1] == '\'' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentStart(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// quote writes s as a pattern string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// String renders the literal as pattern text.
func (l Literal) String() string {
	switch l.Kind {
	case LitString:
		return quote(l.Str)
	case LitInt:
		return strconv.FormatInt(l.Int, 10)
	case LitFloat:
		return formatFloat(l.Float)
	case LitBool:
		return strconv.FormatBool(l.Bool)
	case LitTimestamp:
		return "t'" + l.Time.UTC().Format(time.RFC3339Nano) + "'"
	case LitHex:
		return "h'" + hex.EncodeToString(l.Bytes) + "'"
	case LitBinary:
		return "b'" + base64.StdEncoding.EncodeToString(l.Bytes) + "'"
	}
	return l.Raw
}

// ---- semantics ----

// Unsupported lists the constructs in the pattern that parse but that
// Portcullis does not evaluate: FOLLOWEDBY, qualifiers, and operators other
// than =, IN, LIKE and MATCHES. It is empty when the whole pattern is
// supported.
func (p *Pattern) Unsupported() []string {
	seen := map[string]bool{}
	var walkCond func(Cond)
	walkCond = func(c Cond) {
		switch x := c.(type) {
		case *CondOp:
			walkCond(x.Left)
			walkCond(x.Right)
		case *Comparison:
			if !supportedOp(x.Op) {
				seen["operator "+x.Op] = true
			}
		}
	}
	var walk func(Expr)
	walk = func(e Expr) {
		switch x := e.(type) {
		case *Observation:
			walkCond(x.Cond)
		case *ObservationOp:
			if x.Op == "FOLLOWEDBY" {
				seen["FOLLOWEDBY"] = true
			}
			walk(x.Left)
			walk(x.Right)
		case *Qualified:
			q := x.Qualifier
			if q == "START" {
				q = "START/STOP"
			}
			seen[q+" qualifier"] = true
			walk(x.Expr)
		}
	}
	walk(p.Root)
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func supportedOp(op string) bool {
	return op == "=" || op == "IN" || op == "LIKE" || op == "MATCHES"
}

// Test reports whether a property value (as encoding/json decodes it:
// string, float64, bool...) satisfies the comparison. It evaluates =, IN,
// LIKE and MATCHES, each possibly with NOT; other operators return an error
// wrapping ErrUnsupported. MATCHES uses Go's RE2 syntax, a subset of PCRE.
func (c *Comparison) Test(v any) (bool, error) {
	var ok bool
	switch c.Op {
	case "=":
		ok = len(c.Values) == 1 && equalLiteral(c.Values[0], v)
	case "IN":
		for _, l := range c.Values {
			ok = ok || equalLiteral(l, v)
		}
	case "LIKE":
		s, isStr := v.(string)
		if !isStr {
			return false, nil
		}
		re, err := likeRegexp(c.Values[0].Str)
		if err != nil {
			return false, err
		}
		ok = re.MatchString(s)
	case "MATCHES":
		s, isStr := v.(string)
		if !isStr {
			return false, nil
		}
		re, err := regexp.Compile(c.Values[0].Str)
		if err != nil {
			return false, fmt.Errorf("pattern: column %d: MATCHES: %w", c.Column, err)
		}
		ok = re.MatchString(s)
	default:
		return false, fmt.Errorf("pattern: column %d: operator %s: %w", c.Column, c.Op, ErrUnsupported)
	}
	return ok != c.Not, nil
}

func equalLiteral(l Literal, v any) bool {
	switch l.Kind {
	case LitString:
		s, ok := v.(string)
		return ok && s == l.Str
	case LitInt, LitFloat:
		f, ok := v.(float64)
		if !ok {
			if n, isInt := v.(int64); isInt {
				f, ok = float64(n), true
			}
		}
		want := l.Float
		if l.Kind == LitInt {
			want = float64(l.Int)
		}
		return ok && f == want
	case LitBool:
		b, ok := v.(bool)
		return ok && b == l.Bool
	case LitTimestamp:
		s, ok := v.(string)
		if !ok {
			return false
		}
		t, err := parseTimestamp(s)
		return err == nil && t.Equal(l.Time)
	case LitHex:
		s, ok := v.(string)
		if !ok {
			return false
		}
		b, err := hex.DecodeString(s)
		return err == nil && string(b) == string(l.Bytes)
	case LitBinary:
		s, ok := v.(string)
		if !ok {
			return false
		}
		b, err := base64.StdEncoding.DecodeString(s)
		return err == nil && string(b) == string(l.Bytes)
	}
	return false
}

// likeRegexp turns a SQL LIKE pattern (% any run, _ any one character)
// into an anchored regular expression.
func likeRegexp(like string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for _, r := range like {
		switch r {
		case '%':
			b.WriteString(`.*`)
		case '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`$`)
	return regexp.Compile(b.String())
}

// Match reports whether one observed object (a decoded JSON object with a
// "type") satisfies the observation's comparison expression. A comparison
// on another object type is false; a path with [*] holds when any element
// does. Unsupported operators return an error wrapping ErrUnsupported.
func (o *Observation) Match(obj map[string]any) (bool, error) {
	return matchCond(o.Cond, obj)
}

func matchCond(c Cond, obj map[string]any) (bool, error) {
	switch x := c.(type) {
	case *CondOp:
		l, err := matchCond(x.Left, obj)
		if err != nil {
			return false, err
		}
		if x.Op == "AND" && !l || x.Op == "OR" && l {
			return l, nil
		}
		return matchCond(x.Right, obj)
	case *Comparison:
		if t, _ := obj["type"].(string); t != x.Path.ObjectType {
			return false, nil
		}
		if x.Op == "EXISTS" {
			return false, fmt.Errorf("pattern: column %d: EXISTS: %w", x.Column, ErrUnsupported)
		}
		vals := resolve(obj, x.Path.Steps)
		if len(vals) == 0 {
			return false, nil
		}
		for _, v := range vals {
			ok, err := x.Test(v)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	return false, nil
}

// resolve follows path steps through a decoded JSON value; [*] fans out.
func resolve(v any, steps []Step) []any {
	if len(steps) == 0 {
		return []any{v}
	}
	s := steps[0]
	if !s.IsIndex {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		next, ok := m[s.Key]
		if !ok {
			return nil
		}
		return resolve(next, steps[1:])
	}
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	if s.Any {
		var out []any
		for _, e := range list {
			out = append(out, resolve(e, steps[1:])...)
		}
		return out
	}
	if s.Index < 0 || s.Index >= int64(len(list)) {
		return nil
	}
	return resolve(list[s.Index], steps[1:])
}
