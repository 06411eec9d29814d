package message

import (
	"io"
	"mime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// lookupCharset finds a decoder for a MIME charset name, nil if unknown.
func lookupCharset(name string) encoding.Encoding {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	switch name {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-7":
		return nil
	case "gb2312", "gbk", "x-gbk", "cp936", "euc-cn":
		name = "gbk"
	case "ks_c_5601-1987", "ks_c_5601":
		name = "euc-kr"
	}
	if e, err := htmlindex.Get(name); err == nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(name); err == nil && e != nil {
		return e
	}
	return nil
}

// decodeCharset decodes b from charset; ok is false when the charset is
// unknown or is UTF-8/ASCII (the caller then validates the bytes itself).
func decodeCharset(b []byte, charset string) (string, bool) {
	e := lookupCharset(charset)
	if e == nil {
		return "", false
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return "", false
	}
	return string(out), true
}

var wordDecoder = &mime.WordDecoder{
	CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		e := lookupCharset(charset)
		if e == nil {
			return input, nil
		}
		return e.NewDecoder().Reader(input), nil
	},
}

// decodeHeader decodes RFC 2047 encoded words and makes the result valid,
// single-line UTF-8. Raw 8-bit headers are read as UTF-8 or Windows-1252.
func decodeHeader(v string) string {
	if strings.Contains(v, "=?") {
		if d, err := wordDecoder.DecodeHeader(v); err == nil {
			v = d
		}
	}
	v = decodeText([]byte(v), "")
	v = strings.Join(strings.Fields(v), " ")
	return v
}
