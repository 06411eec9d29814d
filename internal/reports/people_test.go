package reports_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"portcullis/internal/reports"
	"portcullis/internal/store"
)

func TestReadPeopleCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // "name|email|role|office|party|committees joined by +"
	}{
		{
			"all columns",
			"name,email,role,office,party,committees\n" +
				"Jane Smith,jane.smith@parliament.uk,member,Room 1,Blue,Defence; Foreign Affairs ;\n",
			[]string{"Jane Smith|jane.smith@parliament.uk|member|Room 1|Blue|Defence+Foreign Affairs"},
		},
		{
			"columns in another order, capitals and spaces",
			" Committees ,EMAIL, Name \n" +
				"Intelligence and Security,Bob@Parliament.UK,  Bob Jones \n",
			[]string{"Bob Jones|bob@parliament.uk||||Intelligence and Security"},
		},
		{
			"byte order mark and CRLF",
			"\ufeffemail,name\r\nann@parliament.uk,Ann\r\n",
			[]string{"Ann|ann@parliament.uk||||"},
		},
		{
			"byte order mark before the email column",
			"\ufeffemail\r\nann@parliament.uk\r\n",
			[]string{"|ann@parliament.uk||||"},
		},
		{
			"address with a display name",
			"email\n\"Ann Other <Ann.Other@Parliament.UK>\"\n",
			[]string{"|ann.other@parliament.uk||||"},
		},
		{
			"rows without an email are skipped, short rows are fine",
			"name,party,email\nNo Address,Red,\nShort Row\nCat,Green,cat@parliament.uk\n",
			[]string{"Cat|cat@parliament.uk|||Green|"},
		},
		{
			"unknown columns are ignored",
			"email,shoe size\nd@parliament.uk,9\n",
			[]string{"|d@parliament.uk||||"},
		},
		{
			"only separators in committees",
			"email,committees\ne@parliament.uk, ; ;;\n",
			[]string{"|e@parliament.uk||||"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			people, err := reports.ReadPeopleCSV(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("ReadPeopleCSV: %v", err)
			}
			var got []string
			for _, p := range people {
				got = append(got, strings.Join([]string{p.Name, p.Email, p.Role, p.Office, p.Party, strings.Join(p.Committees, "+")}, "|"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("people:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestReadPeopleCSVTruncatesLongFields(t *testing.T) {
	long := strings.Repeat("é", 300) // 600 bytes
	people, err := reports.ReadPeopleCSV(strings.NewReader("name,email,committees\n" + long + ",f@parliament.uk," + long + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := people[0]
	if len(p.Name) > 200 || len(p.Committees[0]) > 200 || !strings.HasPrefix(long, p.Name) || p.Name == "" {
		t.Errorf("name of %d bytes, committee of %d bytes; want at most 200 each, cut between characters", len(p.Name), len(p.Committees[0]))
	}
}

func TestReadPeopleCSVRefuses(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"empty", "", "no header row"},
		{"missing email column", "name,office\nJane,Room 1\n", "no email column"},
		{"bad email", "name,email\nA,a@parliament.uk\nB,not an address\n", `line 3: "not an address" is not an email address`},
		{"duplicate email", "email\nA@parliament.uk\nb@parliament.uk\na@PARLIAMENT.uk\n", "line 4: a@parliament.uk appears twice"},
		{"header only", "name,email\n", "no rows with an email address"},
		{"no row has an email", "name,email\nA,\nB, \n", "no rows with an email address"},
		{"broken quoting", "email\n\"a@parliament.uk\n", "people CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			people, err := reports.ReadPeopleCSV(strings.NewReader(tt.in))
			wantErrContains(t, err, store.ErrInvalid, tt.wantErr)
			if people != nil {
				t.Errorf("people returned with an error: %v", people)
			}
		})
	}
}

// TestReadPeopleCSVLineNumbers checks that the line in an error is the
// line of the file, as an editor shows it, when blank lines or quoted
// line breaks come before it.
func TestReadPeopleCSVLineNumbers(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"after a blank line", "email\n\nnot an address\n", "line 3:"},
		{"after a quoted line break", "email,office\na@parliament.uk,\"Room 1\nPortcullis House\"\nnot an address,x\n", "line 4:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := reports.ReadPeopleCSV(strings.NewReader(tt.in))
			wantErrContains(t, err, store.ErrInvalid, tt.wantErr)
		})
	}
}

func TestReadPeopleCSVQuotedHeaderAfterBOM(t *testing.T) {
	people, err := reports.ReadPeopleCSV(strings.NewReader("\ufeff\"name\",\"email\"\r\n\"Ann\",\"ann@parliament.uk\"\r\n"))
	if err != nil || len(people) != 1 || people[0].Email != "ann@parliament.uk" {
		t.Errorf("ReadPeopleCSV = %v, %v; want Ann", people, err)
	}
}

func TestReadPeopleCSVReadError(t *testing.T) {
	_, err := reports.ReadPeopleCSV(io.MultiReader(strings.NewReader("email\na@parliament.uk\n"), iotest.ErrReader(errors.New("disk on fire"))))
	wantErrContains(t, err, store.ErrInvalid, "disk on fire")
}

func TestImportPeople(t *testing.T) {
	e := newEnv(t)
	const dir = "name,email,role,office,party,committees\n" +
		"Jane Smith,jane.smith@parliament.uk,member,Room 1,Blue,Defence;Foreign Affairs\n" +
		"Bob Jones,bob.jones@parliament.uk,staff,Room 2,,\n"
	before := len(e.audit(t))
	created, updated, err := e.svc.ImportPeople(e.ctx, e.admin, strings.NewReader(dir), "")
	if err != nil || created != 2 || updated != 0 {
		t.Fatalf("ImportPeople = %d, %d, %v; want 2, 0, nil", created, updated, err)
	}
	if evs := findAudit(e.auditSince(t, before), "people.import"); len(evs) != 1 || evs[0].Detail != `{"created":2,"updated":0}` {
		t.Errorf("people.import events = %+v", evs)
	}
	created, updated, err = e.svc.ImportPeople(e.ctx, nil, strings.NewReader(strings.Replace(dir, "Room 2", "Room 3", 1)), "")
	if err != nil || created != 0 || updated != 1 {
		t.Errorf("ImportPeople again with one change = %d, %d, %v; want 0, 1, nil", created, updated, err)
	}

	people, err := e.svc.People(e.ctx, e.analyst, "SMITH")
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 1 || people[0].Email != "jane.smith@parliament.uk" {
		t.Errorf("People(SMITH) = %v, want Jane Smith", people)
	}
	p, err := e.svc.Person(e.ctx, e.analyst, "Bob.Jones@Parliament.uk")
	if err != nil || p.Office != "Room 3" {
		t.Errorf("Person = %v, %v; want Bob Jones in Room 3", p, err)
	}

	_, _, err = e.svc.ImportPeople(e.ctx, e.admin, strings.NewReader("name\nx\n"), "")
	wantKind(t, err, store.ErrInvalid)
}

func FuzzReadPeopleCSV(f *testing.F) {
	for _, s := range []string{
		"",
		"email\n",
		"name,email,role,office,party,committees\nJane,jane@parliament.uk,member,Room 1,Blue,Defence;Treasury\n",
		"\ufeffEmail,Name\r\n\"Ann <ann@parliament.uk>\",\"Ann\"\r\n",
		"email\na@parliament.uk\nA@parliament.uk\n",
		"email,committees\n\"a@x\",\"" + strings.Repeat(";", 50) + "\"\n",
		"email\n\xff\xfe@\x00\n",
		"email,name\n\"unterminated\n",
		"email,email,email\na@b,c@d,e@f\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		people, err := reports.ReadPeopleCSV(strings.NewReader(string(data)))
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error of the wrong kind: %v", err)
			}
			if people != nil {
				t.Fatal("people returned with an error")
			}
			return
		}
		if len(people) == 0 {
			t.Fatal("no people and no error")
		}
		seen := map[string]bool{}
		for _, p := range people {
			if p.Email == "" || p.Email != strings.ToLower(p.Email) {
				t.Errorf("email %q is empty or not lower-case", p.Email)
			}
			if seen[p.Email] {
				t.Errorf("email %q twice", p.Email)
			}
			seen[p.Email] = true
			if len(p.Name) > 200 || len(p.Office) > 200 || len(p.Role) > 100 || len(p.Party) > 100 {
				t.Errorf("field longer than its limit: %s", fmt.Sprint(len(p.Name), len(p.Office), len(p.Role), len(p.Party)))
			}
			for _, c := range p.Committees {
				if c == "" || len(c) > 200 || strings.Contains(c, ";") {
					t.Errorf("committee %q", c)
				}
			}
		}
	})
}
