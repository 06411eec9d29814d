package rules

import (
	"regexp"
	"strconv"
	"strings"
)

// computedSignals are signals the engine computes in code rather than from
// phrases; rule files cannot redefine them.
var computedSignals = []*Signal{
	{ID: "money_amount", Description: "A sum of money (\"£3,000\", \"USD 500\", \"2,500 USDT\").", file: "builtin:engine", line: 1},
	{ID: "large_amount", Description: "A sum of 1,000 or more in any currency.", file: "builtin:engine", line: 1},
}

var moneyRE = regexp.MustCompile(`(?i)(?:(?:[£$€¥]|us\$|usd|gbp|eur|rmb|cny|chf)\s?(\d[\d,. ]*\d|\d)\s?(k|thousand|million|m|mn)?\b|\b(\d[\d,.]*\d|\d)\s?(k|thousand|million|m|mn)?\s?(?:usd|gbp|eur|rmb|cny|yuan|dollars|pounds|euros|usdt|btc|us dollars)\b)`)

func hasCurrencyWord(text string) bool {
	for _, w := range []string{"USD", "usd", "GBP", "gbp", "EUR", "eur", "RMB", "rmb", "CNY", "yuan", "ollar", "ound", "USDT", "usdt", "BTC", "btc", "CHF"} {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// amounts finds sums of money in text and calls fn with each span and value.
func amounts(text string, fn func(start, end int, value float64)) {
	if !strings.ContainsAny(text, "£$€¥") && !hasCurrencyWord(text) {
		return
	}
	for _, m := range moneyRE.FindAllStringSubmatchIndex(text, 50) {
		num, mult := "", ""
		if m[2] >= 0 {
			num = text[m[2]:m[3]]
			if m[4] >= 0 {
				mult = text[m[4]:m[5]]
			}
		} else if m[6] >= 0 {
			num = text[m[6]:m[7]]
			if m[8] >= 0 {
				mult = text[m[8]:m[9]]
			}
		}
		v := parseAmount(num)
		switch strings.ToLower(mult) {
		case "k", "thousand":
			v *= 1e3
		case "m", "mn", "million":
			v *= 1e6
		}
		if v > 0 {
			fn(m[0], m[1], v)
		}
	}
}

// parseAmount reads "3,000", "3.000", "2 500" or "1,234.50" as a number.
func parseAmount(s string) float64 {
	s = strings.ReplaceAll(s, " ", "")
	// A separator followed by exactly three digits at the end groups thousands.
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && len(s)-i-1 != 3 {
		s = strings.NewReplacer(",", "", ".", "").Replace(s[:i]) + "." + s[i+1:]
	} else {
		s = strings.NewReplacer(",", "", ".", "").Replace(s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return v
}
