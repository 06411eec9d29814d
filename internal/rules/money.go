package rules

import (
	"strconv"
	"strings"
)

// computedSignals are signals the engine computes in code rather than from
// phrases; rule files cannot redefine them.
var computedSignals = []*Signal{
	{ID: "money_amount", Description: "A sum of money (\"£3,000\", \"USD 500\", \"2,500 USDT\").", file: "builtin:engine", line: 1},
	{ID: "large_amount", Description: "A sum of 1,000 or more in any currency.", file: "builtin:engine", line: 1},
}

// Currency words before or after a number, lower-case.
var (
	currencyBefore = []string{"us$", "usd", "gbp", "eur", "rmb", "cny", "chf"}
	currencyAfter  = []string{"usd", "gbp", "eur", "rmb", "cny", "yuan", "dollars", "pounds", "euros", "usdt", "btc", "us dollars"}
)

// amounts finds sums of money in text ("£3,000", "USD 500", "2,500 USDT",
// "$15k") and calls fn with each span and value. It scans the text once.
func amounts(text string, fn func(start, end int, value float64)) {
	if !strings.ContainsAny(text, "£$€¥") && !hasCurrencyWord(text) {
		return
	}
	found := 0
	for i := 0; i < len(text) && found < 50; {
		if !isDigit(text[i]) {
			i++
			continue
		}
		if i > 0 && isAlnum(text[i-1]) {
			for i < len(text) && isAlnum(text[i]) {
				i++
			}
			continue // part of a word or code: "A320", "x86"
		}
		start, j := i, i
		for j < len(text) && (isDigit(text[j]) || (text[j] == ',' || text[j] == '.') && j+1 < len(text) && isDigit(text[j+1])) {
			j++
		}
		num := text[start:j]
		i = j
		if j < len(text) && isAlpha(text[j]) && !isMultiplier(text, j) && !isCurrencyAt(text, j, currencyAfter) {
			continue // "3rd", "10am"
		}
		end := j
		mult := 1.0
		k := j
		if k < len(text) && text[k] == ' ' {
			k++
		}
		if n, m := multiplier(text, k); n > 0 {
			mult, end, k = m, k+n, k+n
			if k < len(text) && text[k] == ' ' {
				k++
			}
		}
		// Currency after the number.
		cur := false
		if n := currencyLen(text, k, currencyAfter); n > 0 {
			cur, end = true, k+n
		}
		// Currency before it.
		b := start
		if b > 0 && text[b-1] == ' ' {
			b--
		}
		for _, sym := range []string{"£", "$", "€", "¥"} {
			if strings.HasSuffix(text[:b], sym) {
				cur, start = true, b-len(sym)
			}
		}
		if !cur {
			for _, w := range currencyBefore {
				if b >= len(w) && strings.EqualFold(text[b-len(w):b], w) && (b == len(w) || !isAlpha(text[b-len(w)-1])) {
					cur, start = true, b-len(w)
				}
			}
		}
		if !cur {
			continue
		}
		v := parseAmount(num) * mult
		if v > 0 && v < 1e15 {
			found++
			fn(start, end, v)
		}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// multiplier reads "k", "thousand", "m", "mn" or "million" at i as a word.
func multiplier(text string, i int) (int, float64) {
	for _, m := range []struct {
		w string
		v float64
	}{{"thousand", 1e3}, {"million", 1e6}, {"mn", 1e6}, {"k", 1e3}, {"m", 1e6}} {
		n := len(m.w)
		if i+n <= len(text) && strings.EqualFold(text[i:i+n], m.w) && (i+n == len(text) || !isAlpha(text[i+n])) {
			return n, m.v
		}
	}
	return 0, 0
}

func isMultiplier(text string, i int) bool { n, _ := multiplier(text, i); return n > 0 }

func isCurrencyAt(text string, i int, words []string) bool { return currencyLen(text, i, words) > 0 }

// currencyLen returns the length of a currency word at i, or 0.
func currencyLen(text string, i int, words []string) int {
	best := 0
	for _, w := range words {
		n := len(w)
		if i+n <= len(text) && strings.EqualFold(text[i:i+n], w) && (i+n == len(text) || !isAlpha(text[i+n])) && n > best {
			best = n
		}
	}
	return best
}

var stripSeparators = strings.NewReplacer(",", "", ".", "")

// parseAmount reads "3,000", "3.000", "2 500" or "1,234.50" as a number.
func parseAmount(s string) float64 {
	s = strings.ReplaceAll(s, " ", "")
	// A separator followed by exactly three digits at the end groups thousands.
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && len(s)-i-1 != 3 {
		s = stripSeparators.Replace(s[:i]) + "." + s[i+1:]
	} else {
		s = stripSeparators.Replace(s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return v
}

func hasCurrencyWord(text string) bool {
	for _, w := range []string{"USD", "usd", "Usd", "GBP", "gbp", "EUR", "eur", "RMB", "rmb", "CNY", "yuan", "ollar", "ound", "uro", "USDT", "usdt", "BTC", "btc", "CHF"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}
