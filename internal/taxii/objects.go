package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"portcullis/internal/store"
)

// Limits on what a partner may send in one object.
const (
	maxObjectBytes = 1 << 20
	maxTypeLen     = 250
)

var (
	typeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)
	uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// scoTypes are the STIX 2.1 cyber-observable types: they have no created
// or modified, and their spec_version may be left out.
var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true, "email-addr": true,
	"email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true, "mac-addr": true, "mutex": true,
	"network-traffic": true, "process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true,
}

// header is what the server reads of a STIX object.
type header struct {
	Type        string  `json:"type"`
	ID          string  `json:"id"`
	SpecVersion *string `json:"spec_version"`
	Created     *string `json:"created"`
	Modified    *string `json:"modified"`
}

// parseObject checks a STIX 2.1 object just enough to store and serve it
// (a JSON object with a type, an id of that type, spec_version 2.1 and,
// except for cyber-observables, valid created and modified timestamps)
// and returns it as the store keeps it: compact JSON, its version (""
// for cyber-observables) and its TLP. Its message is fit for a partner.
func parseObject(raw []byte) (store.TAXIIObject, error) {
	var o store.TAXIIObject
	if len(raw) > maxObjectBytes {
		return o, fmt.Errorf("the object is larger than %d bytes", maxObjectBytes)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil || compact.Len() == 0 || compact.Bytes()[0] != '{' {
		return o, errors.New("the object is not a JSON object")
	}
	var h header
	if err := json.Unmarshal(compact.Bytes(), &h); err != nil {
		return o, errors.New("type, id, spec_version, created and modified must be strings")
	}
	switch {
	case len(h.Type) < 3 || len(h.Type) > maxTypeLen || !typeRE.MatchString(h.Type):
		return o, fmt.Errorf("type %q is not a STIX type", h.Type)
	case len(h.ID) != len(h.Type)+2+36 || h.ID[:len(h.Type)+2] != h.Type+"--" || !uuidRE.MatchString(h.ID[len(h.Type)+2:]):
		return o, fmt.Errorf("id %q is not %s-- followed by a UUID", h.ID, h.Type)
	}
	sco := scoTypes[h.Type]
	spec := "2.1"
	if h.SpecVersion != nil {
		spec = *h.SpecVersion
	} else if !sco {
		return o, errors.New("spec_version is missing; this server takes STIX 2.1")
	}
	if spec != "2.1" {
		return o, fmt.Errorf("spec_version %q is not 2.1", spec)
	}
	version := ""
	if !sco || h.Created != nil || h.Modified != nil {
		if h.Created == nil {
			return o, errors.New("created is missing")
		}
		created, err := parseTimestamp(*h.Created)
		if err != nil {
			return o, fmt.Errorf("created %q is not a STIX timestamp", *h.Created)
		}
		version = created.Format(store.TAXIIVersionLayout)
		switch {
		case h.Modified != nil:
			modified, err := parseTimestamp(*h.Modified)
			if err != nil {
				return o, fmt.Errorf("modified %q is not a STIX timestamp", *h.Modified)
			}
			if modified.Before(created) {
				return o, errors.New("modified is before created")
			}
			version = modified.Format(store.TAXIIVersionLayout)
		case h.Type != "marking-definition":
			return o, errors.New("modified is missing")
		}
	}
	body := compact.Bytes()
	return store.TAXIIObject{ObjectID: h.ID, Version: version, SpecVersion: spec, Type: h.Type,
		TLP: objectTLP(body), Body: body}, nil
}

// parseTimestamp reads a STIX timestamp: RFC 3339 in UTC ("Z").
func parseTimestamp(s string) (time.Time, error) {
	if len(s) == 0 || s[len(s)-1] != 'Z' {
		return time.Time{}, errors.New("not in UTC")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// stixTime formats t as a STIX timestamp with milliseconds.
func stixTime(t time.Time) string { return t.UTC().Format(store.TAXIIVersionLayout) }

// dateAddedLayout is how date_added is written: microseconds, the
// precision at which it strictly increases.
const dateAddedLayout = "2006-01-02T15:04:05.000000Z"
