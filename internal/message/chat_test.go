package message

import (
	"strings"
	"testing"
)

func TestChatThread(t *testing.T) {
	tests := []struct {
		name, text string
		froms      []string
		sender     string
	}{
		{"whatsapp", "[12/11/2025, 21:14] +44 7883 410 552: Hi there\n[12/11/2025, 21:15] +44 7883 410 552: We pay well\n[12/11/2025, 22:40] Callum: Who is this?\n[12/11/2025, 22:43] +44 7883 410 552: A friend\nof a friend",
			[]string{"sender", "sender", "recipient", "sender"}, "+44 7883 410 552"},
		{"whatsapp android", "12/11/2025, 21:14 - Anna: Hello\n12/11/2025, 21:20 - Me: Hi", []string{"sender", "recipient"}, "Anna"},
		{"signal", "Daniel R. (10:12): Hi Jess\nDaniel R. (10:13): About that role\nJess (10:20): ok", []string{"sender", "sender", "recipient"}, "Daniel R."},
		{"telegram desktop", "Markus | Policy, [04.03.25 19:02]\nGood evening\n\nJane Ward, [04.03.25 19:10]\nWho are you?\n\nMarkus | Policy, [04.03.25 19:12]\nA friend", []string{"sender", "recipient", "sender"}, "Markus | Policy"},
		{"not a chat", "Dear Sir,\nI write about the bus stop.\nRegards", []string{"sender"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(strings.NewReader(tt.text), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var froms []string
			for _, m := range p.Approach.Messages {
				froms = append(froms, m.From)
			}
			if strings.Join(froms, ",") != strings.Join(tt.froms, ",") {
				t.Errorf("messages from %v, want %v", froms, tt.froms)
			}
			got := ""
			if s := p.Approach.Sender; s != nil {
				got = s.Name + s.Phone
			}
			if got != tt.sender {
				t.Errorf("sender %q, want %q", got, tt.sender)
			}
			if err := p.Approach.ValidateLoose(); err != nil {
				t.Error(err)
			}
		})
	}
}
