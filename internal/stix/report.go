package stix

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"portcullis/internal/intel"
)

// Report is an advisory as a STIX 2.1 report: what was published, when,
// and the indicators it carries.
type Report struct {
	Key         string // stable identity within Portcullis, e.g. "advisory:12"
	Name        string
	Description string
	TLP         string
	Created     time.Time
	Published   time.Time
}

// ExportReport writes a bundle holding the advisory as a STIX `report`
// whose object_refs are its indicators (exported as Export does, up to
// opt.TLPMax). An advisory marked TLP:RED, or above opt.TLPMax, is refused:
// it never leaves.
func ExportReport(r Report, entries []*intel.Entry, now time.Time, opt ExportOptions) ([]byte, error) {
	tlp := normalTLP(r.TLP)
	if tlp == "" {
		tlp = "amber"
	}
	max := normalTLP(opt.TLPMax)
	if max == "" || max == "red" {
		max = "amber+strict"
	}
	if tlp == "red" || tlpRank(tlp) > tlpRank(max) {
		return nil, fmt.Errorf("stix: export report: the advisory is TLP:%s, above what may leave (TLP:%s)", tlp, max)
	}
	b, err := ExportWith(entries, now, opt)
	if err != nil {
		return nil, err
	}
	var bundle struct {
		Type    string            `json:"type"`
		ID      string            `json:"id"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		return nil, fmt.Errorf("stix: export report: %w", err)
	}
	var refs []string
	for _, raw := range bundle.Objects {
		var head struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if json.Unmarshal(raw, &head) == nil && head.Type != "marking-definition" && head.ID != producer.ID {
			refs = append(refs, head.ID)
		}
	}
	sort.Strings(refs)
	m := markingFor(tlp)
	if len(refs) == 0 {
		// object_refs may not be empty: a report with no indicators
		// refers to its own producer.
		refs = []string{producer.ID}
	}
	rep := map[string]any{
		"type": "report", "spec_version": "2.1", "id": sdoID("report", r.Key),
		"created": timestamp(r.Created), "modified": timestamp(r.Published), "published": timestamp(r.Published),
		"name": r.Name, "description": r.Description, "report_types": []string{"threat-report"},
		"object_refs": refs, "created_by_ref": producer.ID, "object_marking_refs": []string{m.ID},
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return nil, err
	}
	haveMarking := false
	for _, o := range bundle.Objects {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(o, &head) == nil && head.ID == m.ID {
			haveMarking = true
		}
	}
	if !haveMarking {
		mb, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		bundle.Objects = append(bundle.Objects, mb)
	}
	hasProducer := false
	for _, o := range bundle.Objects {
		var head struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(o, &head) == nil && head.ID == producer.ID {
			hasProducer = true
		}
	}
	if !hasProducer {
		pb, err := json.Marshal(producer)
		if err != nil {
			return nil, err
		}
		bundle.Objects = append(bundle.Objects, pb)
	}
	bundle.Objects = append(bundle.Objects, raw)
	return json.MarshalIndent(bundle, "", " ")
}
