// Package stix exchanges the watchlist with partners as STIX 2.1. Export
// turns intel entries into a bundle of indicators (with STIX patterns),
// threat actors, identities, observables and relationships, marked with
// the OASIS TLP 2.0 marking definitions; Import reads a partner's bundle
// back into entries and reports every object it skipped and why;
// ParsePattern parses the STIX patterning language (the OASIS
// STIXPattern.g4 grammar) with errors that name a column.
//
// What STIX has no property for (an organisation's aliases, the kind of an
// entry, the organisations and places a persona goes with) travels in
// labels with a "portcullis-" prefix, so export then import loses nothing
// and other tools still show it.
package stix

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TLP 2.0 marking definitions, with the fixed ids OASIS publishes in
// cti-stix-common-objects (extension-definition-specifications/tlp-2.0).
const (
	MarkingClear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	MarkingGreen       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	MarkingAmber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	MarkingAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	MarkingRed         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	// tlp2Extension is the extension definition the TLP 2.0 marking
	// definitions carry their level in.
	tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	// tlp2Created is the created timestamp of every TLP 2.0 definition.
	tlp2Created = "2022-10-01T00:00:00.000Z"
)

// TLP levels, least restrictive first.
var tlpLevels = []string{"clear", "green", "amber", "amber+strict", "red"}

var tlpMarking = map[string]string{
	"clear": MarkingClear, "green": MarkingGreen, "amber": MarkingAmber,
	"amber+strict": MarkingAmberStrict, "red": MarkingRed,
}

// tlp1Marking maps the STIX 2.1 specification's TLP 1.0 marking ids, which
// partners still send, to TLP 2.0 levels.
var tlp1Marking = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear", // TLP:WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}

// tlpRank orders TLP levels: 0 for clear up to 4 for red; -1 for an unknown
// level.
func tlpRank(level string) int {
	for i, l := range tlpLevels {
		if l == level {
			return i
		}
	}
	return -1
}

// normalTLP folds a TLP level name: case, a "TLP:" prefix and the TLP 1.0
// name "white". It returns "" for anything else.
func normalTLP(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	if s == "white" {
		s = "clear"
	}
	if tlpRank(s) < 0 {
		return ""
	}
	return s
}

// markingFor returns the TLP 2.0 marking-definition object for a level.
func markingFor(level string) markingDefinition {
	return markingDefinition{
		Type: "marking-definition", SpecVersion: "2.1", ID: tlpMarking[level], Created: tlp2Created,
		Name: "TLP:" + strings.ToUpper(level),
		Extensions: map[string]tlpExtension{
			tlp2Extension: {ExtensionType: "property-extension", TLP: level},
		},
	}
}

type markingDefinition struct {
	Type        string                  `json:"type"`
	SpecVersion string                  `json:"spec_version"`
	ID          string                  `json:"id"`
	Created     string                  `json:"created"`
	Name        string                  `json:"name"`
	Extensions  map[string]tlpExtension `json:"extensions"`
}

type tlpExtension struct {
	ExtensionType string `json:"extension_type"`
	TLP           string `json:"tlp_2_0"`
}

// Identifier namespaces.
var (
	// scoNamespace is the namespace the STIX 2.1 specification fixes for
	// the deterministic ids of cyber-observable objects.
	scoNamespace = mustUUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
	// portcullisNamespace makes Portcullis's own object ids stable: the
	// same entry gets the same id in every export, from every installation.
	portcullisNamespace = mustUUID("504b1d94-db3d-4880-b94d-26c12cba40b0")
)

func mustUUID(s string) [16]byte {
	var u [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic("stix: bad uuid " + s)
	}
	copy(u[:], b)
	return u
}

// uuid5 returns the RFC 9562 version 5 (SHA-1, name-based) UUID of name in
// namespace ns.
func uuid5(ns [16]byte, name string) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	s := h.Sum(nil)
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	x := hex.EncodeToString(s[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// sdoID returns the stable id of a Portcullis object of STIX type typ
// named by the parts (an entry's type and normal value, for example).
func sdoID(typ string, parts ...string) string {
	return typ + "--" + uuid5(portcullisNamespace, typ+"\x00"+strings.Join(parts, "\x00"))
}

// scoID returns the deterministic id the STIX 2.1 specification defines for
// a cyber-observable: a UUIDv5 in the SCO namespace over the RFC 8785
// canonical JSON of its id-contributing properties (string values and
// string-valued maps are all Portcullis emits).
func scoID(typ string, props map[string]any) string {
	return typ + "--" + uuid5(scoNamespace, canonicalJSON(props))
}

// canonicalJSON serialises v as RFC 8785 (JCS) does for objects whose
// leaves are strings: members sorted by the UTF-16 code units of their
// names, no insignificant white space, strings escaped as ECMAScript's
// JSON.stringify escapes them.
func canonicalJSON(v any) string {
	var b strings.Builder
	writeCanonical(&b, v)
	return b.String()
}

func writeCanonical(b *strings.Builder, v any) {
	switch x := v.(type) {
	case string:
		writeJCSString(b, x)
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, v := range x {
			m[k] = v
		}
		writeCanonical(b, m)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sortUTF16(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJCSString(b, k)
			b.WriteByte(':')
			writeCanonical(b, x[k])
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("stix: canonicalJSON: unsupported %T", v))
	}
}

func writeJCSString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s { // invalid UTF-8 becomes U+FFFD, as JSON decoders do
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// sortUTF16 sorts strings by their UTF-16 code units, the order RFC 8785
// requires (it differs from byte order only above U+FFFF).
func sortUTF16(keys []string) {
	less := func(a, b string) bool {
		for a != "" && b != "" {
			ra, na := utf8.DecodeRuneInString(a)
			rb, nb := utf8.DecodeRuneInString(b)
			if ra != rb {
				return utf16Key(ra) < utf16Key(rb)
			}
			a, b = a[na:], b[nb:]
		}
		return a == "" && b != ""
	}
	for i := 1; i < len(keys); i++ { // insertion sort: a handful of keys
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// utf16Key returns the first UTF-16 code unit of r, which decides order.
func utf16Key(r rune) rune {
	if r >= 0x10000 {
		return 0xd800 + (r-0x10000)>>10
	}
	return r
}

// epoch stands in for a creation time when an entry has no source date, so
// that exports stay byte-for-byte identical.
var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// timestamp formats t as a STIX timestamp in UTC with milliseconds.
func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// parseTimestamp reads a STIX timestamp (RFC 3339, normally in UTC).
func parseTimestamp(s string) (time.Time, error) {
	return time.Parse(time.RFC3339Nano, s)
}

// parseSourceDate reads an entry's source date: YYYY, YYYY-MM, YYYY-MM-DD or
// RFC 3339.
func parseSourceDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01", "2006", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Label prefixes carry what STIX has no property for.
const (
	labelKind         = "portcullis-kind:"
	labelAlias        = "portcullis-alias:"
	labelOrganization = "portcullis-organization:"
	labelLocation     = "portcullis-location:"
	labelValidFrom    = "portcullis-valid-from:"
	labelValidUntil   = "portcullis-valid-until:"
	labelPrefix       = "portcullis-"
)

// sourcePublished introduces a source's date in an external reference's
// description.
const sourcePublished = "published "

// infraAccountTypes are user-account types of operating systems and
// directories: Import does not take them as messaging handles.
var infraAccountTypes = map[string]bool{
	"unix": true, "windows-local": true, "windows-domain": true, "ldap": true,
	"nis": true, "radius": true, "tacacs": true, "openid": true,
}
