package stix

import (
	"portcullis/internal/testenv"
	"time"

	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"portcullis/internal/intel"
)

// schemaDir holds the OASIS STIX 2.1 JSON schemas, shared beside the
// project (see its README).
var schemaDir = testenv.Shared("stix2.1-schemas", "schemas")

// schemaBase is the $id prefix of every OASIS schema; their $refs are
// relative to it.
const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"

// dirLoader serves the schemas' $ids from schemaDir, so nothing is fetched.
type dirLoader string

func (d dirLoader) Load(url string) (any, error) {
	rel, ok := strings.CutPrefix(url, schemaBase)
	if !ok {
		return nil, fmt.Errorf("%s is not one of the OASIS STIX schemas", url)
	}
	f, err := os.Open(filepath.Join(string(d), filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// schemaFor names the schema of a STIX object type.
func schemaFor(typ string) string {
	switch typ {
	case "relationship", "sighting":
		return "sros/" + typ + ".json"
	case "marking-definition", "language-content", "extension-definition":
		return "common/" + typ + ".json"
	case "email-addr", "domain-name", "url", "ipv4-addr", "ipv6-addr", "file", "user-account":
		return "observables/" + typ + ".json"
	}
	return "sdos/" + typ + ".json"
}

func TestExportValidatesAgainstOASISSchemas(t *testing.T) {
	if _, err := os.Stat(schemaDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the OASIS STIX schemas are missing under CI: %v", err)
		}
		t.Skipf("OASIS STIX schemas not found at %s", schemaDir)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(dirLoader(schemaDir))
	c.AssertFormat()
	compiled := map[string]*jsonschema.Schema{}
	schema := func(rel string) *jsonschema.Schema {
		t.Helper()
		if s := compiled[rel]; s != nil {
			return s
		}
		s, err := c.Compile(schemaBase + rel)
		if err != nil {
			t.Fatalf("compile %s: %v", rel, err)
		}
		compiled[rel] = s
		return s
	}

	entries := append(intel.Seed(), testEntries()...)
	b := mustExport(t, entries, ExportOptions{IncludeExpired: true})
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema("common/bundle.json").Validate(doc); err != nil {
		t.Errorf("the bundle does not validate:\n%v", err)
	}
	bun, _ := decodeBundle(t, b)
	types := map[string]int{}
	for _, raw := range bun.Objects {
		var head struct{ Type, ID string }
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		types[head.Type]++
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema(schemaFor(head.Type)).Validate(inst); err != nil {
			t.Errorf("%s does not validate against %s:\n%v", head.ID, schemaFor(head.Type), err)
		}
	}
	for _, typ := range []string{"marking-definition", "identity", "threat-actor", "indicator", "relationship",
		"email-addr", "domain-name", "url", "ipv4-addr", "ipv6-addr", "file", "user-account"} {
		if types[typ] == 0 {
			t.Errorf("no %s object was validated", typ)
		}
	}

	// An advisory exported as a STIX report validates too.
	rb, err := ExportReport(Report{Key: "advisory:1", Name: "Fake headhunters on LinkedIn", Description: "Do not engage.",
		TLP: "green", Created: time.Date(2025, 11, 18, 9, 0, 0, 0, time.UTC), Published: time.Date(2025, 11, 18, 10, 0, 0, 0, time.UTC)},
		testEntries(), time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), ExportOptions{TLPMax: "amber"})
	if err != nil {
		t.Fatal(err)
	}
	rdoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rb))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema("common/bundle.json").Validate(rdoc); err != nil {
		t.Errorf("the report bundle does not validate:\n%v", err)
	}
	rbun, _ := decodeBundle(t, rb)
	reports := 0
	for _, raw := range rbun.Objects {
		var head struct{ Type, ID string }
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		if head.Type == "report" {
			reports++
		}
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err := schema(schemaFor(head.Type)).Validate(inst); err != nil {
			t.Errorf("%s does not validate against %s:\n%v", head.ID, schemaFor(head.Type), err)
		}
	}
	if reports != 1 {
		t.Errorf("report bundle has %d reports, want 1", reports)
	}
	if _, err := ExportReport(Report{Key: "advisory:2", Name: "x", TLP: "red"}, testEntries(), time.Now(), ExportOptions{}); err == nil {
		t.Error("a TLP:RED advisory was exported")
	}

	// The validator is not vacuous: a broken object fails.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"type":"indicator","spec_version":"2.1","id":"indicator--x","created":"2025-01-01T00:00:00Z","modified":"2025-01-01T00:00:00Z","pattern":"[x:y = 1]"}`))
	if err := schema("sdos/indicator.json").Validate(bad); err == nil {
		t.Error("an indicator without pattern_type and valid_from, with a bad id, validated")
	}
}
