package smime

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"siegel/message"
)

// sealed returns a message from agent to alice sealed with opts.
func sealed(t *testing.T, e *Engine, text string, opts SealOptions) []byte {
	t.Helper()
	msg := []byte("From: agent@example.com\r\nTo: alice@example.org\r\nSubject: t\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n")
	out, err := e.Seal(context.Background(), msg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// splitHeader splits a message at the blank line after its header.
func splitHeader(raw []byte) (string, string) {
	h, b, _ := strings.Cut(string(raw), "\r\n\r\n")
	return h, b
}

func TestOpenStructures(t *testing.T) {
	p := getPKI(t)
	e := NewEngine(p.keyring())
	enc := sealed(t, e, "secret text", SealOptions{Encrypt: true})
	_, encBody := splitHeader(enc)
	signed := sealed(t, e, "signed text", SealOptions{Sign: true})
	_, signedBody := splitHeader(signed)
	signedCT := message.ParseEntity(signed).Get("Content-Type")
	from := "From: agent@example.com\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n"

	tests := []struct {
		name  string
		raw   string
		enc   EncryptionState
		sig   SignatureState
		text  string
		kinds []LayerKind
	}{
		{"whole-message .p7m", from + "Content-Type: application/octet-stream; name=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody,
			EncDecrypted, SigNone, "secret text", []LayerKind{LayerEnveloped}},
		{".p7m by disposition", from + "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=MSG.P7M\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody,
			EncDecrypted, SigNone, "secret text", []LayerKind{LayerEnveloped}},
		{"x-pkcs7-mime without smime-type", from + "Content-Type: application/x-pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody,
			EncDecrypted, SigNone, "secret text", []LayerKind{LayerEnveloped}},
		{"smime-type says signed-data, CMS is enveloped", from + "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody,
			EncDecrypted, SigNone, "secret text", []LayerKind{LayerEnveloped}},
		{"certs-only is no layer", from + "Content-Type: application/pkcs7-mime; smime-type=certs-only\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody,
			EncNone, SigNone, "", nil},
		{"encrypted part in multipart/mixed is an attachment", from + "Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nbait\r\n--m\r\n" +
			"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody + "\r\n--m--\r\n",
			EncNone, SigNone, "bait", nil},
		{"signed part in multipart/alternative is an attachment", from + "Content-Type: multipart/alternative; boundary=m\r\n\r\n--m\r\nContent-Type: " + signedCT + "\r\n\r\n" + signedBody + "\r\n--m--\r\n",
			EncNone, SigNone, "signed text", nil},
		{"multipart/signed without protocol", from + "Content-Type: " + strings.Replace(signedCT, `protocol="application/pkcs7-signature"; `, "", 1) + "\r\n\r\n" + signedBody,
			EncNone, SigValid, "signed text", []LayerKind{LayerSigned}},
		{"x-pkcs7-signature protocol", from + "Content-Type: " + strings.Replace(signedCT, "application/pkcs7-signature", "application/x-pkcs7-signature", 1) + "\r\n\r\n" + signedBody,
			EncNone, SigValid, "signed text", []LayerKind{LayerSigned}},
		{"OpenPGP signature passed through", from + "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=p\r\n\r\n--p\r\n" +
			"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encBody + "\r\n--p\r\nContent-Type: application/pgp-signature\r\n\r\nxx\r\n--p--\r\n",
			EncDecrypted, SigNone, "secret text", []LayerKind{LayerEnveloped}},
		{"second part is not a signature", from + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=p\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nshown\r\n--p\r\nContent-Type: text/plain\r\n\r\nxx\r\n--p--\r\n",
			EncNone, SigMalformed, "shown", []LayerKind{LayerSigned}},
		{"one part only", from + "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=p\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nshown\r\n--p--\r\n",
			EncNone, SigMalformed, "shown", []LayerKind{LayerSigned}},
		{"bad base64", from + "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
			EncFailed, SigNone, "", []LayerKind{LayerEnveloped}},
		{"bad base64 opaque", from + "Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
			EncNone, SigMalformed, "", []LayerKind{LayerOpaqueSigned}},
		{"bad base64 auth", from + "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
			EncFailed, SigNone, "", []LayerKind{LayerAuthEnveloped}},
		{"huge length", from + "Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\nMIT/////BgkqhkiG9w0BBwM=\r\n",
			EncFailed, SigNone, "", []LayerKind{LayerEnveloped}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, content := e.Open(context.Background(), []byte(tt.raw))
			if res.Encryption != tt.enc || res.Signature != tt.sig {
				t.Errorf("got %s/%s, want %s/%s", res.Encryption, res.Signature, tt.enc, tt.sig)
			}
			var kinds []LayerKind
			for _, l := range res.Layers {
				kinds = append(kinds, l.Kind)
				if l.State != string(SigValid) && l.State != string(EncDecrypted) && l.Reason == "" {
					t.Errorf("layer %s %s without a reason", l.Kind, l.State)
				}
			}
			if !equalKinds(kinds, tt.kinds) {
				t.Errorf("layers: got %v, want %v", kinds, tt.kinds)
			}
			got := message.Extract(content).Text
			if tt.text != "" && !strings.Contains(got, tt.text) || tt.text == "" && got != "" {
				t.Errorf("text: got %q, want %q", got, tt.text)
			}
			if strings.Contains(got, "secret text") && res.Encryption != EncDecrypted {
				t.Errorf("secret text shown outside a decrypted layer")
			}
		})
	}
}

func TestOpenTooDeep(t *testing.T) {
	p := getPKI(t)
	e := NewEngine(p.keyring())
	msg := sealed(t, e, "deep", SealOptions{Sign: true})
	// Wrap the signed entity in itself: multipart/signed nine deep. The
	// signatures of the outer ones fail (the content differs), but only the
	// depth matters here.
	_, b := splitHeader(msg)
	ct := message.ParseEntity(msg).Get("Content-Type")
	entity := "Content-Type: " + ct + "\r\n\r\n" + b
	for i := range 9 {
		boundary := "deep" + string(rune('a'+i))
		entity = "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=" + boundary + "\r\n\r\n--" + boundary + "\r\n" +
			entity + "\r\n--" + boundary + "\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\nMA==\r\n--" + boundary + "--\r\n"
	}
	res, _ := e.Open(context.Background(), []byte("From: agent@example.com\r\n"+entity))
	if len(res.Layers) != maxDepth+1 {
		t.Fatalf("got %d layers, want %d", len(res.Layers), maxDepth+1)
	}
	if last := res.Layers[maxDepth]; last.State != string(SigMalformed) || !strings.Contains(last.Reason, "nested") {
		t.Errorf("last layer: got %s %q", last.State, last.Reason)
	}
	if res.Signature != SigMalformed {
		t.Errorf("signature: got %s, want malformed", res.Signature)
	}
}

// failingKeyring fails every look-up; panicking panics in TrustAnchors.
type failingKeyring struct {
	*memKeyring
	panicking bool
}

var errStore = errors.New("database is locked")

func (k failingKeyring) CertByIssuerSerial(context.Context, []byte, *big.Int) (*x509.Certificate, error) {
	return nil, errStore
}
func (k failingKeyring) CertBySubjectKeyID(context.Context, []byte) (*x509.Certificate, error) {
	return nil, errStore
}
func (k failingKeyring) PrivateKey(context.Context, *x509.Certificate) (crypto.PrivateKey, error) {
	return nil, errStore
}
func (k failingKeyring) TrustAnchors(ctx context.Context) ([]*x509.Certificate, error) {
	if k.panicking {
		panic("bug in the store")
	}
	return nil, errStore
}

func TestOpenKeyringErrors(t *testing.T) {
	p := getPKI(t)
	e := NewEngine(p.keyring())
	both := sealed(t, e, "text", SealOptions{Sign: true, Encrypt: true})
	signedOnly := sealed(t, e, "text", SealOptions{Sign: true})

	bad := NewEngine(failingKeyring{memKeyring: p.keyring()})
	res, _ := bad.Open(context.Background(), both)
	if res.Encryption != EncNoKey || !strings.Contains(res.Layers[0].Reason, errStore.Error()) {
		t.Errorf("decrypt with failing store: got %s %q", res.Encryption, res.Layers[0].Reason)
	}
	res, _ = bad.Open(context.Background(), signedOnly)
	if res.Signature != SigUntrusted || !strings.Contains(res.Layers[0].Reason, errStore.Error()) {
		t.Errorf("verify with failing store: got %s %q", res.Signature, res.Layers[0].Reason)
	}

	panicking := NewEngine(failingKeyring{memKeyring: p.keyring(), panicking: true})
	res, _ = panicking.Open(context.Background(), signedOnly)
	if res.Signature != SigMalformed || !strings.Contains(res.Layers[len(res.Layers)-1].Reason, "internal error") {
		t.Errorf("panicking store: got %s %+v", res.Signature, res.Layers)
	}
}

func TestOpenCacheFollowsStore(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil)
	e := NewEngine(k)
	msg := sealed(t, e, "text", SealOptions{Sign: true})
	if res, _ := e.Open(context.Background(), msg); res.Signature != SigValid {
		t.Fatalf("got %s, want valid", res.Signature)
	}
	// The administrator deletes the CA certificates: the cached chain no
	// longer counts.
	k.mu.Lock()
	var kept []*x509.Certificate
	for _, c := range k.certs {
		if !c.IsCA {
			kept = append(kept, c)
		}
	}
	k.certs = kept
	k.mu.Unlock()
	k.gen.Add(1)
	if res, _ := e.Open(context.Background(), msg); res.Signature != SigValid || len(res.Chain) != 1 {
		// agent's own certificate is stored: pinned, valid with a chain of one.
		t.Errorf("after deleting the CAs: got %s with chain %d, want valid (pinned) with chain 1", res.Signature, len(res.Chain))
	}
	k.mu.Lock()
	k.certs = slicesDeleteFunc(k.certs, func(c *x509.Certificate) bool { return c.Equal(p.agent.cert) })
	k.mu.Unlock()
	k.gen.Add(1)
	if res, _ := e.Open(context.Background(), msg); res.Signature != SigUntrusted {
		t.Errorf("after deleting the CAs and the signer: got %s, want untrusted", res.Signature)
	}
}

func slicesDeleteFunc(s []*x509.Certificate, del func(*x509.Certificate) bool) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range s {
		if !del(c) {
			out = append(out, c)
		}
	}
	return out
}

func TestOpenDates(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil)
	now := time.Now()
	e := NewEngineWithOptions(k, Options{Now: func() time.Time { return now }})
	msg := sealed(t, e, "text", SealOptions{Sign: true})
	for _, tt := range []struct {
		date string
		want SignatureState
	}{
		{now.Add(59 * time.Minute).Format(time.RFC1123Z), SigValid},
		{now.Add(-61 * time.Minute).Format(time.RFC1123Z), SigDateMismatch},
		{now.Add(2 * time.Hour).Format(time.RFC822Z), SigDateMismatch},
		{"not a date", SigValid},
	} {
		raw := bytes.Replace(msg, []byte("Date: "+message.ParseEntity(msg).Get("Date")), []byte("Date: "+tt.date), 1)
		if res, _ := e.Open(context.Background(), raw); res.Signature != tt.want {
			t.Errorf("Date %q: got %s, want %s", tt.date, res.Signature, tt.want)
		}
	}
}

func TestOpenConcurrent(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil)
	e := NewEngine(k)
	msgs := [][]byte{
		sealed(t, e, "a", SealOptions{Sign: true}),
		sealed(t, e, "b", SealOptions{Sign: true, Encrypt: true}),
		sealed(t, e, "c", SealOptions{Encrypt: true, Cipher: AES256GCM}),
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				if i%4 == 0 && j == 5 {
					k.gen.Add(1) // the store changes meanwhile
				}
				res, _ := e.Open(context.Background(), msgs[(i+j)%len(msgs)])
				if res.Signature == SigMalformed || res.Encryption == EncFailed {
					t.Errorf("got %s/%s", res.Encryption, res.Signature)
				}
			}
		}()
	}
	wg.Wait()
}

// A signature vouches for one author: the From policy of message.Envelope
// decides who that is, and every header that names anyone else, or more
// than one, is a sender mismatch whose reason says which rule failed. The
// legitimate forms stay valid.
func TestOpenFromAttacks(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil)
	e := NewEngine(k)
	msg := sealed(t, e, "text", SealOptions{Sign: true})
	if res, _ := e.Open(context.Background(), msg); res.Signature != SigValid {
		t.Fatalf("unchanged message: got %s, want valid (%+v)", res.Signature, res.Layers)
	}
	for _, tt := range []struct {
		name, from string
		want       SignatureState
		reason     string // in the signature layer's reason; "" for valid
		author     string // the address every view shows
	}{
		{"bare address", "From: agent@example.com\r\n", SigValid, "", "agent@example.com"},
		{"quoted name", "From: \"Agent Smith\" <agent@example.com>\r\n", SigValid, "", "agent@example.com"},
		{"case differs", "From: Agent <AGENT@Example.COM>\r\n", SigValid, "", "AGENT@Example.COM"},
		{"encoded name", "From: =?utf-8?q?J=C3=BCrgen?= <agent@example.com>\r\n", SigValid, "", "agent@example.com"},
		{"quoted name equal to the address", "From: \"Agent@example.com\" <agent@example.com>\r\n", SigValid, "", "agent@example.com"},
		{"name equal to address, unquoted", "From: agent@example.com <agent@example.com>\r\n", SigSenderMismatch, "cannot be read", "agent@example.com"},
		{"display name with another address", "From: boss@evil.example <agent@example.com>\r\n", SigSenderMismatch, "cannot be read", "agent@example.com"},
		{"quoted display name with another address", "From: \"boss@evil.example\" <agent@example.com>\r\n", SigSenderMismatch, "holds another address", "agent@example.com"},
		{"encoded-word name hiding an address", "From: =?utf-8?q?boss=40evil.example?= <agent@example.com>\r\n", SigSenderMismatch, "holds another address", "agent@example.com"},
		{"full-width at sign in the name", "From: =?utf-8?q?boss=EF=BC=A0evil.example?= <agent@example.com>\r\n", SigSenderMismatch, "holds another address", "agent@example.com"},
		{"address in a comment", "From: agent@example.com (boss@evil.example)\r\n", SigSenderMismatch, "holds another address", "agent@example.com"},
		{"right-to-left override in the name", "From: =?utf-8?q?=E2=80=AEelpmaxe.live?= <agent@example.com>\r\n", SigSenderMismatch, "invisible character U+202E", "agent@example.com"},
		{"two addresses", "From: agent@example.com, mallory@example.net\r\n", SigSenderMismatch, "2 addresses in the From field", "agent@example.com"},
		{"same address twice", "From: Agent <agent@example.com>, AGENT@example.com\r\n", SigSenderMismatch, "2 addresses", "agent@example.com"},
		{"two From fields", "From: agent@example.com\r\nFrom: mallory@example.net\r\n", SigSenderMismatch, "2 From fields", "agent@example.com"},
		{"Sender names someone else", "From: agent@example.com\r\nSender: mallory@example.net\r\n", SigSenderMismatch, "Sender field names another address", "agent@example.com"},
		{"group", "From: Team: agent@example.com;\r\n", SigSenderMismatch, "is a group", "agent@example.com"},
		{"empty", "From: \r\n", SigSenderMismatch, "empty", ""},
		{"missing", "", SigSenderMismatch, "no From field", ""},
		{"look-alike domain", "From: agent@ex\u0430mple.com\r\n", SigSenderMismatch, "non-ASCII character U+0430", "agent@ex\u0430mple.com"},
	} {
		raw := bytes.Replace(msg, []byte("From: agent@example.com\r\n"), []byte(tt.from), 1)
		res, _ := e.Open(context.Background(), raw)
		if res.Signature != tt.want {
			t.Errorf("%s: got %s, want %s (%+v)", tt.name, res.Signature, tt.want, res.Layers)
			continue
		}
		if got := res.Layers[0].Reason; tt.reason != "" && !strings.Contains(got, tt.reason) || tt.reason == "" && got != "" {
			t.Errorf("%s: reason %q, want one with %q", tt.name, got, tt.reason)
		}
		if got := res.Envelope.Author.Address; got != tt.author {
			t.Errorf("%s: author %q, want %q", tt.name, got, tt.author)
		}
	}
}

// Reveal gives the content Open gives, layer for layer, without a verdict
// of its own; nothing when a layer cannot be decrypted.
func TestReveal(t *testing.T) {
	p := getPKI(t)
	e := NewEngine(p.keyring())
	for _, opts := range []SealOptions{
		{Sign: true},
		{Encrypt: true},
		{Sign: true, Encrypt: true},
		{Sign: true, Encrypt: true, Cipher: AES256GCM, KeyTransport: RSAOAEP},
	} {
		msg := sealed(t, e, "geheim", opts)
		res, content := e.Open(context.Background(), msg)
		if res.Signature.Failed() || res.Encryption.Failed() {
			t.Fatalf("%+v: Open %s/%s", opts, res.Encryption, res.Signature)
		}
		if got := e.Reveal(context.Background(), msg); !bytes.Equal(got, content) {
			t.Errorf("%+v: Reveal gives %q, Open %q", opts, got, content)
		}
	}
	// A tampered message still reveals its text: the stored verdict says
	// what it is worth.
	msg := sealed(t, e, "pay 10", SealOptions{Sign: true})
	bad := bytes.Replace(msg, []byte("pay 10"), []byte("pay 99"), 1)
	if got := message.Extract(e.Reveal(context.Background(), bad)).Text; got != "pay 99" {
		t.Errorf("tampered: Reveal text %q", got)
	}
	// Without the key there is nothing to show.
	noKey := NewEngine(newMemKeyring())
	if got := noKey.Reveal(context.Background(), sealed(t, e, "geheim", SealOptions{Encrypt: true})); got != nil {
		t.Errorf("without the key Reveal gives %q", got)
	}
}

// The time certificates are checked at is the arrival, which the sender
// cannot choose: a leaked key of an expired certificate signs with a
// backdated signingTime in vain, while old mail keeps the verdict of its
// arrival, with a note that the certificate expired since.
func TestOpenAtArrival(t *testing.T) {
	p := getPKI(t)
	signedAt := time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC) // inside the expired certificate's 2020
	sk := newMemKeyring()
	sk.add(p.root.cert, nil)
	sk.add(p.inter.cert, nil)
	sk.add(p.expired.cert, p.expired.key)
	signer := NewEngineWithOptions(sk, Options{Now: func() time.Time { return signedAt }})
	for _, date := range []string{"Date: " + signedAt.Format(time.RFC1123Z) + "\r\n", ""} {
		msg := []byte("From: alice@example.org\r\nTo: agent@example.com\r\nSubject: old\r\n" + date +
			"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nPay now.\r\n")
		raw, err := signer.Seal(context.Background(), msg, SealOptions{Sign: true})
		if err != nil {
			t.Fatal(err)
		}
		k := p.keyring()
		k.add(p.inter.cert, nil)
		e := NewEngine(k)
		for _, tt := range []struct {
			name    string
			at      time.Time
			want    SignatureState
			reason  string
			expired bool // the "expired since" note
		}{
			{"arrived when signed", signedAt.Add(time.Minute), SigValid, "", true},
			{"arrives today (backdated)", time.Time{}, SigExpired, "not when the message arrived", false},
			{"arrived before it was signed", signedAt.Add(-24 * time.Hour), SigArrivalMismatch, "is after the message arrived", true},
			{"signed long before it arrived", signedAt.Add(20 * 24 * time.Hour), SigArrivalMismatch, "20 days before the message arrived", true},
		} {
			res, _ := e.OpenAt(context.Background(), raw, tt.at)
			if res.Signature != tt.want {
				t.Errorf("%q %s: got %s, want %s (%+v)", date, tt.name, res.Signature, tt.want, res.Layers)
				continue
			}
			if tt.reason != "" && !strings.Contains(res.Layers[0].Reason, tt.reason) {
				t.Errorf("%q %s: reason %q, want %q", date, tt.name, res.Layers[0].Reason, tt.reason)
			}
			if got := !res.ExpiredSince.IsZero(); got != tt.expired || got && !res.ExpiredSince.Equal(p.expired.cert.NotAfter) {
				t.Errorf("%q %s: expired since %v, want the note %v", date, tt.name, res.ExpiredSince, tt.expired)
			}
			if !res.SigningTime.Equal(signedAt) {
				t.Errorf("%q %s: signing time %v, want the sender's claim %v", date, tt.name, res.SigningTime, signedAt)
			}
		}
	}
}

// A part appended after the signature is one nobody signed: the whole
// multipart/signed is malformed, not the part quietly dropped.
func TestOpenSignedExactlyTwoParts(t *testing.T) {
	p := getPKI(t)
	k := p.keyring()
	k.add(p.inter.cert, nil)
	e := NewEngine(k)
	msg := sealed(t, e, "text", SealOptions{Sign: true})
	b := message.ParseEntity(msg)
	_, params := b.MediaType()
	closing := []byte("--" + params["boundary"] + "--")
	extra := bytes.Replace(msg, closing, []byte("--"+params["boundary"]+"\r\nContent-Type: text/plain\r\n\r\nYou are fired.\r\n"+string(closing)), 1)
	if bytes.Equal(extra, msg) {
		t.Fatal("no closing delimiter found")
	}
	if res, _ := e.Open(context.Background(), msg); res.Signature != SigValid {
		t.Fatalf("unchanged: %s", res.Signature)
	}
	res, _ := e.Open(context.Background(), extra)
	if res.Signature != SigMalformed || !strings.Contains(res.Layers[0].Reason, "3 part(s), want 2") {
		t.Errorf("three parts: %s (%+v), want malformed naming the parts", res.Signature, res.Layers)
	}
}
