package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"siegel/crypto/smime"
)

// The article cards show each security state with the exact texts of
// DESIGN.md §3, and the failures with their advice and Retry.
func TestArticleStates(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	tests := []struct {
		ticket int64
		want   []string
		not    []string
	}{
		{10000, []string{"Encrypted", "Signed", "The signed contract is attached.", "contract.txt"},
			[]string{"Retry security check"}},
		{10001, []string{"Signer unknown",
			"Sign: The certificate for verification could not be found.",
			"Ask your administrator to add the sender's certificate to the certificate store.",
			"Always verify certificates in person or by phone!",
			"Retry security check", "Where is my invoice?"}, nil},
		{10002, []string{"Changed after signing", "Sign: The message was changed after it was signed.",
			"Retry security check"}, nil},
		{10003, []string{"Not encrypted", "Not signed", "Please reset my password."}, []string{"Retry security check"}},
		{10004, []string{"Signer not trusted", "Sign: The signer's certificate is not trusted: it was not issued by a certificate authority in the certificate store, or it is not meant for e-mail."}, nil},
		{10005, []string{"Cannot decrypt", "Encryption: The private key for decryption could not be found.",
			"Ask your administrator to check your organisation's private key in the certificate store, and ask the sender to double-check the public key they used.",
			"The content of this message could not be decrypted.", "Retry security check"},
			[]string{"Only support can read this."}},
	}
	for _, tt := range tests {
		openTicket(t, u, tt.ticket)
		showDetails(t, u.win)
		wantText(t, u.win, tt.want...)
		notText(t, u.win, tt.not...)
	}
}

// A tampered article shows the tampered text and Retry; Retry runs the
// analysis again, and it stays tampered.
func TestTamperedArticleRetry(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10002)
	wantText(t, u.win, "Sign: The message was changed after it was signed.", "Retry security check")
	before := c.articles(v.ticket.ID)[0].Security.Analysed
	time.Sleep(10 * time.Millisecond)
	tap(t, u.win, "Retry security check")
	after := c.articles(v.ticket.ID)[0].Security
	if !after.Analysed.After(before) {
		t.Errorf("Retry did not store a new analysis (analysed %v, before %v)", after.Analysed, before)
	}
	if after.Signature != smime.SigTampered {
		t.Errorf("after Retry the stored state is %s, want tampered", after.Signature)
	}
	wantText(t, u.win, "Sign: The message was changed after it was signed.", "Retry security check")
}

// Once the administrator imports the sender's certificate, Retry turns
// "certificate not found" into a valid signature and the card says so.
func TestRetryAfterImport(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10001)
	wantText(t, u.win, "Signer unknown")
	if _, err := c.side.Store.Import(c.ctx, getPKI(t).bob.certPEM, "bob.pem", nil); err != nil {
		t.Fatal(err)
	}
	u.jobs.drain()
	tap(t, u.win, "Retry security check")
	wantText(t, u.win, "Signed")
	notText(t, u.win, "Signer unknown", "Retry security check", "Sign: The certificate for verification could not be found.")
	if got := c.articles(v.ticket.ID)[0].Security.Signature; got != smime.SigValid {
		t.Errorf("stored state after Retry is %s, want valid", got)
	}
}

// Clicking the security bar opens the details: every layer with its
// certificates in full.
func TestSecurityDetails(t *testing.T) {
	c := newCores(t, nil)
	standardTickets(t, c)
	u := newTestUI(t, c)
	v := openTicket(t, u, 10000)
	var card *articleCard
	for _, ac := range v.byID {
		card = ac
	}
	test.Tap(card.bar.sig)
	got := text(u.win)
	k := getPKI(t)
	for _, want := range []string{
		"Security details",
		"Layer 1: ", "Layer 2: ",
		"encrypted (enveloped data)", "signed (multipart/signed)",
		"AES-256-CBC", "SHA-256",
		"alice@example.org",
		"CN=Alice Example,O=Siegel Tests",
		groupedFingerprint(strings.ToLower(fingerprint(k.alice))),
		"Our certificate that opened this layer",
		"Copy PEM", "Save PEM…",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the details do not show %q", want)
		}
	}
	// Copy PEM puts the signer's certificate on the clipboard.
	tap(t, u.win, "Copy PEM")
	if clip := u.app.Clipboard().Content(); !strings.Contains(clip, "BEGIN CERTIFICATE") {
		t.Errorf("clipboard after Copy PEM: %.40q", clip)
	}
}
