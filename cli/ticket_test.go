package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"siegel/mail/mailtest"
)

func TestTicketStates(t *testing.T) {
	f := newMailFixture(t)
	f.addAccount(t)
	f.imap.Append(t, "INBOX", mailtest.Message(t, "alice@example.org", mailtest.DeskAddress, "Drucker kaputt", "Hilfe.",
		mailtest.WithID("c1@example.org")))
	if _, errOut, code := f.run(t, "sync"); code != 0 {
		t.Fatalf("sync: %s", errOut)
	}
	state := func() string {
		out, _, _ := f.run(t, "tickets", "--json")
		var tk struct{ State string }
		if err := json.Unmarshal([]byte(out), &tk); err != nil {
			t.Fatalf("tickets --json: %v: %q", err, out)
		}
		return tk.State
	}
	for _, step := range []struct{ sub, arg, want, out string }{
		{"pending", "10000", "pending", "[Ticket#10000] is pending.\n"},
		{"close", "Ticket#10000", "closed", "[Ticket#10000] is closed.\n"},
		{"reopen", "[Ticket#10000]", "open", "[Ticket#10000] is open.\n"},
	} {
		out, errOut, code := f.run(t, "ticket", step.sub, step.arg)
		if code != 0 || out != step.out {
			t.Fatalf("ticket %s %s: exit %d, got %q %q, want %q", step.sub, step.arg, code, out, errOut, step.out)
		}
		if got := state(); got != step.want {
			t.Errorf("after ticket %s: got state %q, want %q", step.sub, got, step.want)
		}
	}
	if out, _, _ := f.run(t, "tickets", "--state", "pending"); out != "" {
		t.Errorf("tickets --state pending lists %q, want nothing", out)
	}
	for _, bad := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ticket", "close", "10099"}, 1, "[Ticket#10099]: mail: no such ticket"},
		{[]string{"ticket", "close", "soon"}, 2, `"soon" is not a ticket number`},
		{[]string{"ticket", "close"}, 2, "usage: siegel ticket close N"},
		{[]string{"ticket", "archive", "10000"}, 2, "archive"},
	} {
		_, errOut, code := f.run(t, bad.args...)
		if code != bad.code || !strings.Contains(errOut, bad.want) {
			t.Errorf("%v: got exit %d %q, want %d with %q", bad.args, code, errOut, bad.code, bad.want)
		}
	}
}
