package smime

import (
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"siegel/message"
)

// interopDir returns ../shared/interop/NAME beside the repository, or
// skips the test when that folder does not exist.
func interopDir(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "interop", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("interop corpus %s not present: %v", p, err)
	}
	return p
}

// readTSV reads a tab-separated table with a header line into maps.
func readTSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(rec) {
				row[h] = rec[i]
			}
		}
		rows = append(rows, row)
	}
}

// thunderbirdKeyring is the store the corpus README asks for: TestCA.pem as
// the only trust anchor, and the P12 files with password "nss".
func thunderbirdKeyring(t testing.TB, dir string) *memKeyring {
	t.Helper()
	k := newMemKeyring()
	k.addPEMFile(t, filepath.Join(dir, "smime", "TestCA.pem"))
	for _, p := range []string{"smime/Alice.p12", "smime/Bob.p12", "smime/Dave.p12", "smime/Eve.p12",
		"smime/Alice-ec.p12", "smime-interop/Fran.p12", "smime-interop/Fran-ec.p12"} {
		k.addP12File(t, filepath.Join(dir, p), "nss")
	}
	return k
}

// corpusRow is what a test compares of one message.
type corpusRow struct {
	file       string
	encrypted  bool
	decryptKey string // local part of the key owner's address, "-" for none
	signature  SignatureState
	signers    []string // per signature layer, outermost first
	text       string   // "-" for none
	// at is when the message arrived (zero: the engine's clock).
	at time.Time
}

// checkRow opens one message and compares the result with the row.
func checkRow(t *testing.T, e *Engine, raw []byte, want corpusRow) (*Result, []byte) {
	t.Helper()
	res, content := e.OpenAt(context.Background(), raw, want.at)
	if got := res.Encryption != EncNone; got != want.encrypted {
		t.Errorf("encrypted: got %v (%s), want %v", got, res.Encryption, want.encrypted)
	}
	gotKey := "-"
	if res.Recipient != nil && len(res.Recipient.Emails) > 0 {
		gotKey, _, _ = strings.Cut(res.Recipient.Emails[0], "@")
	}
	if gotKey != want.decryptKey {
		t.Errorf("decrypt_key: got %s, want %s", gotKey, want.decryptKey)
	}
	if res.Signature != want.signature {
		t.Errorf("signature: got %s, want %s", res.Signature, want.signature)
	}
	if want.signers != nil {
		var got []string
		for _, l := range res.Layers {
			if l.Kind != LayerSigned && l.Kind != LayerOpaqueSigned {
				continue
			}
			s := "?"
			if w := worstSigner(l.Signers); w != nil && w.Cert != nil && len(w.Cert.Emails) > 0 {
				s = w.Cert.Emails[0]
			}
			got = append(got, s)
		}
		if strings.Join(got, ",") != strings.Join(want.signers, ",") {
			t.Errorf("signers: got %v, want %v", got, want.signers)
		}
	}
	if want.text != "-" && want.text != "" {
		if body := message.Extract(content).Text; !strings.Contains(body, want.text) {
			t.Errorf("text: %q not in displayed text %q", want.text, body)
		}
	}
	if t.Failed() {
		for i, l := range res.Layers {
			t.Logf("layer %d: %s %s: %s (cipher %s, %s)", i, l.Kind, l.State, l.Reason, l.Cipher, l.KeyTransport)
		}
	}
	return res, content
}

func TestThunderbirdCorpus(t *testing.T) {
	dir := interopDir(t, "thunderbird")
	runThunderbird(t, dir, thunderbirdKeyring(t, dir))
}

// runThunderbird walks every row of the Thunderbird corpus with kr (which
// trusts TestCA.pem and holds the P12 files of the README).
func runThunderbird(t *testing.T, dir string, kr Keyring) {
	// The certificates of the corpus are valid until 2031: the engine uses
	// the signing time, and its own clock only where the message has none.
	e := NewEngineWithOptions(kr, Options{Now: func() time.Time {
		return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	}})
	rows := readTSV(t, filepath.Join(dir, "EXPECTED.tsv"))
	if len(rows) != 88 {
		t.Errorf("EXPECTED.tsv has %d rows, want 88", len(rows))
	}
	for _, row := range rows {
		t.Run(row["file"], func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, row["file"]))
			if err != nil {
				t.Fatal(err)
			}
			want := corpusRow{
				at:         corpusArrival(e, raw),
				encrypted:  row["encrypted"] == "yes",
				decryptKey: row["decrypt_key"],
				signature:  SignatureState(row["signature"]),
				text:       row["text"],
			}
			if row["signer"] != "-" {
				want.signers = strings.Split(strings.ToLower(row["signer"]), ",")
			} else {
				want.signers = []string{}
			}
			res, content := checkRow(t, e, raw, want)
			checkGolden(t, "thunderbird", row["file"], res)
			var from []string
			for _, a := range res.Envelope.From {
				from = append(from, strings.ToLower(a.Address))
			}
			if got := strings.Join(from, ","); got != strings.ToLower(row["from"]) {
				t.Errorf("from: got %q, want %q", got, row["from"])
			}
			if strings.HasSuffix(row["file"], "multipart-alternative.eml") {
				if body := message.Extract(content).Text; strings.Contains(body, "SECRET-TEXT") {
					t.Errorf("the secret text of an enveloped part inside multipart/alternative is displayed: %q", body)
				}
			}
		})
	}
}

// zammadCAs are the CA certificates of the Zammad fixtures.
var zammadCAs = []string{"RootCA.crt", "IntermediateCA.crt", "ChainCA.crt", "SenderCA.crt",
	"SenderIntermediateCA.crt", "ExpiredCA.crt", "ExpiredIntermediateCA.crt"}

// zammadKeyring builds one of the two stores of the corpus README: CA
// certificates only, or also every other certificate (pinned).
func zammadKeyring(t testing.TB, dir string, pinned bool) *memKeyring {
	t.Helper()
	k := newMemKeyring()
	for _, name := range zammadCAs {
		k.addPEMFile(t, filepath.Join(dir, name))
	}
	if pinned {
		all, err := filepath.Glob(filepath.Join(dir, "*.crt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range all {
			if !slices.Contains(zammadCAs, filepath.Base(p)) {
				k.addPEMFile(t, p)
			}
		}
	}
	return k
}

func TestZammadCorpus(t *testing.T) {
	dir := interopDir(t, "zammad")
	runZammad(t, dir, func(pinned bool) Keyring { return zammadKeyring(t, dir, pinned) })
}

// runZammad walks every row of the Zammad fixtures twice, with the pinned
// and with the CA-only store that keyring builds.
func runZammad(t *testing.T, dir string, keyring func(pinned bool) Keyring) {
	rows := readTSV(t, filepath.Join(dir, "EXPECTED.tsv"))
	if len(rows) != 9 {
		t.Errorf("EXPECTED.tsv has %d rows, want 9", len(rows))
	}
	for _, store := range []struct {
		name   string
		pinned bool
		column string
	}{{"pinned", true, "signature_with_pinned"}, {"ca-only", false, "signature_ca_only"}} {
		// A fixed clock, as for the Thunderbird corpus: a message without
		// signing time or Date is judged at it, so the goldens hold.
		e := NewEngineWithOptions(keyring(store.pinned), Options{Now: func() time.Time {
			return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		}})
		for _, row := range rows {
			t.Run(store.name+"/"+row["file"], func(t *testing.T) {
				raw, err := os.ReadFile(filepath.Join(dir, row["file"]))
				if err != nil {
					t.Fatal(err)
				}
				res, _ := checkRow(t, e, raw, corpusRow{
					at:         corpusArrival(e, raw),
					encrypted:  row["encrypted"] != "none",
					decryptKey: row["decrypt_key"],
					signature:  SignatureState(row[store.column]),
					text:       row["text"],
				})
				checkGolden(t, "zammad-"+store.name, row["file"], res)
			})
		}
	}
}

// corpusArrival stands in for the arrival time the corpora do not record:
// a minute after the message was signed (as mail arrives), else its Date,
// else the engine's clock.
func corpusArrival(e *Engine, raw []byte) time.Time {
	res, _ := e.Open(context.Background(), raw)
	for _, l := range res.Layers {
		for _, s := range l.Signers {
			if !s.SigningTime.IsZero() {
				return s.SigningTime.Add(time.Minute)
			}
		}
	}
	return res.Envelope.Date
}
