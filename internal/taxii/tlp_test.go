package taxii

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"portcullis/internal/store"
)

// matrix is what may leave: allowed[object level][partner maximum]. Rows
// are the level an object counts as (its marking, or its collection's
// default when unmarked); columns the partners' maximum levels.
var matrix = map[string]map[string]bool{
	"clear":        {"clear": true, "green": true, "amber": true, "amber+strict": true},
	"green":        {"clear": false, "green": true, "amber": true, "amber+strict": true},
	"amber":        {"clear": false, "green": false, "amber": true, "amber+strict": true},
	"amber+strict": {"clear": false, "green": false, "amber": false, "amber+strict": true},
	"red":          {"clear": false, "green": false, "amber": false, "amber+strict": false},
}

var partnerMaxes = []string{"clear", "green", "amber", "amber+strict"}

func TestReleasable(t *testing.T) {
	for _, obj := range append([]string{""}, levels...) {
		for _, def := range levels {
			for _, max := range partnerMaxes {
				eff := obj
				if eff == "" {
					eff = def
				}
				want := matrix[eff][max]
				if got := releasable(obj, def, max); got != want {
					t.Errorf("releasable(object %q, default %q, partner %q) = %v, want %v", obj, def, max, got, want)
				}
			}
			// A partner cleared for RED gets no more than AMBER+STRICT.
			eff := obj
			if eff == "" {
				eff = def
			}
			if got, want := releasable(obj, def, "red"), matrix[eff]["amber+strict"]; got != want {
				t.Errorf("releasable(%q, %q, red) = %v, want %v", obj, def, got, want)
			}
		}
	}
	// What cannot be read never leaves.
	for _, c := range [][3]string{
		{"", "", "amber"}, {"white", "clear", "amber+strict"}, {"TLP:GREEN", "clear", "amber"},
		{"clear", "clear", ""}, {"clear", "clear", "white"}, {"", "unknown", "amber+strict"},
	} {
		if releasable(c[0], c[1], c[2]) {
			t.Errorf("releasable(%q, %q, %q) = true, want false", c[0], c[1], c[2])
		}
	}
	if got := releasableLevels("green", "amber"); !slices.Equal(got, []string{"", "clear", "green", "amber"}) {
		t.Errorf("releasableLevels(green, amber) = %q", got)
	}
	if got := releasableLevels("red", "clear"); !slices.Equal(got, []string{"clear"}) {
		t.Errorf("releasableLevels(red, clear) = %q", got)
	}
}

func TestObjectTLP(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`{"type":"indicator"}`, ""},
		{`{"object_marking_refs":["` + markingID["green"] + `"]}`, "green"},
		{`{"object_marking_refs":["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]}`, "clear"}, // TLP 1.0 white
		{`{"object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]}`, "red"},   // TLP 1.0 red
		{`{"object_marking_refs":["` + markingID["green"] + `","` + markingID["amber+strict"] + `","marking-definition--` + testUUID(1) + `"]}`, "amber+strict"},
		{`{"object_marking_refs":["marking-definition--` + testUUID(1) + `"]}`, ""},
		{`{"granular_markings":[{"marking_ref":"` + markingID["red"] + `","selectors":["description"]}],"object_marking_refs":["` + markingID["clear"] + `"]}`, "red"},
		{`{"type":"marking-definition","id":"` + markingID["red"] + `"}`, "clear"},
		{`{"type":"marking-definition","id":"marking-definition--` + testUUID(2) + `"}`, ""},
		{`{"object_marking_refs":"` + markingID["green"] + `"}`, "red"}, // unreadable
		{`not json`, "red"},
	}
	for _, tt := range tests {
		if got := objectTLP([]byte(tt.body)); got != tt.want {
			t.Errorf("objectTLP(%s) = %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestTLPMatrixOverHTTP puts an object of every marking (and an unmarked
// one) in collections of every default TLP, and asks for them as partners
// of every maximum level, through every endpoint that serves objects.
func TestTLPMatrixOverHTTP(t *testing.T) {
	e := newEnv(t, Config{})
	type partnerCreds struct {
		max string
		c   creds
	}
	var partners []partnerCreds
	for _, max := range partnerMaxes {
		_, c := e.addPartner("partner "+max, max)
		partners = append(partners, partnerCreds{max, c})
	}
	marks := append([]string{""}, levels...)
	n := 0
	for _, def := range levels {
		coll := e.newCollection(def)
		ids := map[string]string{} // object id -> its marking
		for _, m := range marks {
			n++
			var raw []byte
			if m == "" {
				raw = indicatorJSON(n, "2026-01-01T00:00:00.000Z")
			} else {
				raw = indicatorJSON(n, "2026-01-01T00:00:00.000Z", markingID[m])
			}
			e.putRaw(coll.ID, raw)
			ids["indicator--"+testUUID(n)] = m
		}
		for _, p := range partners {
			var want []string
			for id, m := range ids {
				eff := m
				if eff == "" {
					eff = def
				}
				if matrix[eff][p.max] {
					want = append(want, id)
				}
			}
			slices.Sort(want)
			name := fmt.Sprintf("default %s, partner %s", def, p.max)

			var env envelope
			e.get(collPath(coll.ID)+"objects/", p.c).json(t, &env)
			var got []string
			for _, h := range heads(t, env.Objects) {
				got = append(got, h.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: objects %v, want %v", name, marksOf(ids, got), marksOf(ids, want))
			}

			// The push path passes the same choke point.
			pushed, _, more, err := e.srv.ReleasableObjects(t.Context(), coll.ID, p.max, 0, 0)
			if err != nil || more {
				t.Fatalf("ReleasableObjects: more %v, %v", more, err)
			}
			got = got[:0]
			for _, o := range pushed {
				got = append(got, o.ObjectID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: ReleasableObjects %v, want %v", name, marksOf(ids, got), marksOf(ids, want))
			}

			var man struct{ Objects []struct{ ID string } }
			e.get(collPath(coll.ID)+"manifest/", p.c).json(t, &man)
			got = got[:0]
			for _, o := range man.Objects {
				got = append(got, o.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s: manifest %v, want %v", name, marksOf(ids, got), marksOf(ids, want))
			}

			for id, m := range ids {
				allowed := slices.Contains(want, id)
				wantStatus := http.StatusNotFound
				if allowed {
					wantStatus = http.StatusOK
				}
				for _, path := range []string{collPath(coll.ID) + "objects/" + id + "/", collPath(coll.ID) + "objects/" + id + "/versions/"} {
					res := e.do(http.MethodGet, path, p.c, nil, nil)
					if res.status != wantStatus {
						t.Errorf("%s: GET %s (marked %q) = %d, want %d", name, path, m, res.status, wantStatus)
					}
					if res.status == http.StatusOK && strings.HasSuffix(path, "/"+id+"/") {
						var one envelope
						res.json(t, &one)
						if len(one.Objects) != 1 {
							t.Errorf("%s: object %s: %d objects", name, id, len(one.Objects))
						}
					}
				}
			}
		}
	}
}

func marksOf(ids map[string]string, list []string) []string {
	var out []string
	for _, id := range list {
		m := ids[id]
		if m == "" {
			m = "unmarked"
		}
		out = append(out, m)
	}
	slices.Sort(out)
	return out
}

// TestChokePointRereadsBody: an object whose stored TLP says less than its
// markings is still held back.
func TestChokePointRereadsBody(t *testing.T) {
	e := newEnv(t, Config{})
	_, c := e.addPartner("BfV", "green")
	coll := e.newCollection("green")
	o, err := parseObject(indicatorJSON(1, "2026-01-01T00:00:00.000Z", markingID["amber"]))
	if err != nil {
		t.Fatal(err)
	}
	o.TLP = "green" // as if the stored level were wrong
	if _, err := e.db.PutTAXIIObjects(t.Context(), coll.ID, []store.TAXIIObject{o}); err != nil {
		t.Fatal(err)
	}
	var env envelope
	e.get(collPath(coll.ID)+"objects/", c).json(t, &env)
	if len(env.Objects) != 0 {
		t.Errorf("an object marked amber went to a green partner: %s", env.Objects)
	}
	if res := e.do("GET", collPath(coll.ID)+"objects/"+o.ObjectID+"/", c, nil, nil); res.status != 404 {
		t.Errorf("GET the object = %d, want 404", res.status)
	}
	var m json.RawMessage
	e.get(collPath(coll.ID)+"manifest/", c).json(t, &m)
	if strings.Contains(string(m), o.ObjectID) {
		t.Errorf("the manifest lists it: %s", m)
	}
}
