package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPeople(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		t.Run("PutAndList", func(t *testing.T) { testPeople(t, b) })
		t.Run("Errors", func(t *testing.T) { testPeopleErrors(t, b) })
	})
}

func directory() []Person {
	return []Person{
		{Name: "Alice Barton", Email: "Alice.Barton@Parliament.example", Role: "member", Office: "Office of Alice Barton", Party: "Green", Committees: []string{"Foreign Affairs", "Defence"}},
		{Name: "Björn Müller", Email: "bjorn.muller@parliament.example", Role: "staff", Office: "Committee Office", Committees: []string{"Intelligence and Security"}},
		{Name: "Chen Wei", Email: "chen.wei@parliament.example", Role: "peer", Office: "House of Lords", Party: "Crossbench"},
	}
}

func testPeople(t *testing.T, b backend) {
	db, c := openFresh(t, b)
	ctx := context.Background()
	created, updated, err := db.PutPeople(ctx, directory())
	if err != nil || created != 3 || updated != 0 {
		t.Fatalf("PutPeople = %d, %d, %v; want 3, 0", created, updated, err)
	}
	p, err := db.GetPersonByEmail(ctx, " alice.barton@PARLIAMENT.example")
	if err != nil {
		t.Fatalf("GetPersonByEmail: %v", err)
	}
	want := directory()[0]
	want.ID, want.Email, want.UpdatedAt = p.ID, "alice.barton@parliament.example", t0
	if !reflect.DeepEqual(*p, want) {
		t.Errorf("GetPersonByEmail\n got %+v\nwant %+v", *p, want)
	}

	// The same again changes nothing; a change and a new person count.
	c.Set(t0.Add(time.Hour))
	if created, updated, err := db.PutPeople(ctx, directory()); err != nil || created != 0 || updated != 0 {
		t.Errorf("PutPeople(same) = %d, %d, %v; want 0, 0", created, updated, err)
	}
	d := directory()
	d[2].Committees = []string{"Science"}
	d = append(d, Person{Name: "Dana Evans", Email: "DANA@parliament.example", Role: "staff"},
		Person{Name: "Dana Evans-Smith", Email: "dana@parliament.example", Role: "staff"}) // the later one wins
	if created, updated, err := db.PutPeople(ctx, d); err != nil || created != 1 || updated != 1 {
		t.Errorf("PutPeople(changed) = %d, %d, %v; want 1, 1", created, updated, err)
	}
	chen, _ := db.GetPersonByEmail(ctx, "chen.wei@parliament.example")
	if !reflect.DeepEqual(chen.Committees, []string{"Science"}) || !chen.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("Chen after update: committees %q updated %v", chen.Committees, chen.UpdatedAt)
	}
	alice, _ := db.GetPersonByEmail(ctx, "alice.barton@parliament.example")
	if !alice.UpdatedAt.Equal(t0) {
		t.Errorf("unchanged Alice updated at %v, want %v", alice.UpdatedAt, t0)
	}
	dana, _ := db.GetPersonByEmail(ctx, "dana@parliament.example")
	if dana == nil || dana.Name != "Dana Evans-Smith" || dana.Committees != nil {
		t.Errorf("Dana = %+v, want the later entry, no committees", dana)
	}

	tests := []struct {
		search string
		limit  int
		want   []string
	}{
		{"", 0, []string{"Alice Barton", "Björn Müller", "Chen Wei", "Dana Evans-Smith"}},
		{"", 2, []string{"Alice Barton", "Björn Müller"}},
		{"MÜLLER", 0, []string{"Björn Müller"}},           // name, non-ASCII case
		{"CHEN.WEI@", 0, []string{"Chen Wei"}},            // email
		{"committee office", 0, []string{"Björn Müller"}}, // office
		{"crossbench", 0, []string{"Chen Wei"}},           // party
		{"parliament.example", 3, []string{"Alice Barton", "Björn Müller", "Chen Wei"}},
		{"%", 0, nil},       // literal
		{"defence", 0, nil}, // committees are not searched
	}
	for _, tt := range tests {
		ps, err := db.ListPeople(ctx, tt.search, tt.limit)
		if err != nil {
			t.Fatalf("ListPeople(%q): %v", tt.search, err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Name)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ListPeople(%q, %d) = %q, want %q", tt.search, tt.limit, got, tt.want)
		}
	}
}

func testPeopleErrors(t *testing.T, b backend) {
	db, _ := openFresh(t, b)
	ctx := context.Background()
	d := append(directory(), Person{Name: "No Address"})
	_, _, err := db.PutPeople(ctx, d)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "person 4") {
		t.Errorf("PutPeople(without an address) = %v, want ErrInvalid naming person 4", err)
	}
	if ps, _ := db.ListPeople(ctx, "", 0); len(ps) != 0 {
		t.Errorf("a rejected batch stored %d people", len(ps))
	}
	if _, err := db.GetPersonByEmail(ctx, "nobody@parliament.example"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetPersonByEmail(missing) = %v, want ErrNotFound", err)
	}
	if created, updated, err := db.PutPeople(ctx, nil); err != nil || created+updated != 0 {
		t.Errorf("PutPeople(nil) = %d, %d, %v", created, updated, err)
	}
}
