package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"siegel/crypto/certinfo"
)

// decodeInspect decodes the JSON lines of inspect and checks that every
// line has exactly the keys of the contract.
func decodeInspect(t *testing.T, out []byte) []inspectJSON {
	t.Helper()
	var reps []inspectJSON
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(line, &keys); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		delete(keys, "from_problem") // present only when there is one
		checkKeys(t, keys, "file", "from", "subject", "encryption", "signature", "layers", "text")
		var enc, sig map[string]json.RawMessage
		json.Unmarshal(keys["encryption"], &enc)
		checkKeys(t, enc, "state", "message", "recipient", "cipher")
		json.Unmarshal(keys["signature"], &sig)
		checkKeys(t, sig, "state", "message", "signer", "digest", "revocation")
		var signer, rev map[string]json.RawMessage
		json.Unmarshal(sig["signer"], &signer)
		checkKeys(t, signer, "email", "subject", "fingerprint")
		json.Unmarshal(sig["revocation"], &rev)
		delete(rev, "subject") // present only for an issuing CA's answer
		checkKeys(t, rev, "status", "source", "revoked_at", "reason", "checked_at")
		if string(keys["layers"]) == "null" {
			t.Errorf("layers is null, want a list")
		}
		var rep inspectJSON
		if err := json.Unmarshal(line, &rep); err != nil {
			t.Fatal(err)
		}
		reps = append(reps, rep)
	}
	return reps
}

func checkKeys(t *testing.T, m map[string]json.RawMessage, want ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON keys: got %v, want %v", got, want)
	}
}

// thunderbirdDir is ../shared/interop/thunderbird beside the repository.
func thunderbirdDir(t *testing.T) string {
	t.Helper()
	// The corpus sits beside the checkout: find the module's root first,
	// wherever this package lives.
	root, _ := filepath.Abs(".")
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil || filepath.Dir(root) == root {
			break
		}
		root = filepath.Dir(root)
	}
	dir := filepath.Join(root, "..", "shared", "interop", "thunderbird")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Thunderbird corpus not present: %v", err)
	}
	return dir
}

func TestInspectJSONContract(t *testing.T) {
	dir := thunderbirdDir(t)
	env, out, errOut := testEnv(t, "")
	importFiles(t, env, "", filepath.Join(dir, "smime", "TestCA.pem"))
	importFiles(t, env, "nss", filepath.Join(dir, "smime", "Alice.p12"), filepath.Join(dir, "smime", "Bob.p12"))

	bobFP, aliceFP := p12Fingerprint(t, dir, "Bob.p12"), p12Fingerprint(t, dir, "Alice.p12")
	files := []string{
		filepath.Join(dir, "smime", "alice.dsig.SHA256.multipart.env.eml"),
		filepath.Join(dir, "smime", "alice.dsig.SHA256.multipart.bad.eml"),
		filepath.Join(dir, "missing.eml"),
		filepath.Join(dir, "smime-manual", "outer-pgp-sig-inner-smime-enc.eml"),
		filepath.Join(dir, "browser", "alice.html.sig.SHA256.opaque.eml"),
	}
	code := Run(context.Background(), env, append([]string{"inspect", "--json", "--at", corpusArrival}, files...))
	if code != 1 {
		t.Errorf("exit: got %d, want 1 (a file is missing)", code)
	}
	if !strings.Contains(errOut.String(), "missing.eml") {
		t.Errorf("stderr does not name the missing file: %q", errOut)
	}
	reps := decodeInspect(t, out.Bytes())
	if len(reps) != 4 {
		t.Fatalf("got %d lines, want 4", len(reps))
	}
	alice := reps[0]
	want := inspectJSON{
		File: files[0], From: "Alice@example.com", Subject: "clear-signed then enveloped sig.SHA256",
		Encryption: encryptionJSON{State: "decrypted",
			Message:   "This message was encrypted for you. Even if a third party intercepted it, they could not read it.",
			Recipient: bobFP, Cipher: "AES-128-CBC"},
		Signature: signatureJSON{State: "valid", Message: "The signature of this message was verified successfully.",
			Signer: signerJSON{Email: "alice@example.com", Subject: "Alice", Fingerprint: aliceFP}, Digest: "SHA-256",
			// The corpus's certificates name no responder: nobody to ask.
			Revocation: revocationJSON{Status: "unknown", Reason: "the certificate names no OCSP responder and no CRL"}},
		Layers: []layerJSON{{Kind: "enveloped", State: "decrypted"}, {Kind: "signed", State: "valid"}},
		Text:   alice.Text,
	}
	if !reflect.DeepEqual(alice, want) {
		t.Errorf("got  %+v\nwant %+v", alice, want)
	}
	if len(alice.Signature.Signer.Fingerprint) != 64 || strings.ToLower(alice.Signature.Signer.Fingerprint) != alice.Signature.Signer.Fingerprint {
		t.Errorf("signer fingerprint %q is not 64 lower-case hex digits", alice.Signature.Signer.Fingerprint)
	}
	if !strings.HasPrefix(alice.Text, "This is a test message from Alice to Bob.") {
		t.Errorf("text: got %q", alice.Text)
	}

	if got := reps[1].Signature; got.State != "tampered" || got.Message != "Sign: The message was changed after it was signed." ||
		got.Signer.Email != "alice@example.com" {
		t.Errorf("tampered: got %+v", got)
	}
	if !strings.Contains(reps[1].Text, "FAKE") {
		t.Errorf("tampered text: got %q", reps[1].Text)
	}
	if got := reps[2]; got.Encryption.State != "no-key" || got.Encryption.Recipient != "" ||
		got.Encryption.Message != "Encryption: The private key for decryption could not be found." ||
		got.Signature.State != "none" || got.Signature.Signer != (signerJSON{}) || got.Text != "" ||
		len(got.Layers) != 1 || got.Layers[0].Kind != "enveloped" || got.Layers[0].State != "no-key" || got.Layers[0].Reason == "" {
		t.Errorf("no-key: got %+v", got)
	}
	if got := reps[3]; got.Signature.State != "untrusted" || got.Layers[0].Kind != "opaque-signed" {
		t.Errorf("untrusted: got %+v", got)
	}
}

// p12Fingerprint returns the fingerprint of the end-entity certificate of
// a P12 file of the corpus, as OpenSSL reads it.
func p12Fingerprint(t *testing.T, dir, name string) string {
	t.Helper()
	pemOut := opensslCmd(t, "pkcs12", "-in", filepath.Join(dir, "smime", name), "-passin", "pass:nss", "-nokeys", "-clcerts")
	certs := parsePEMCerts(t, pemOut)
	if len(certs) != 1 {
		t.Fatalf("%s: %d certificates", name, len(certs))
	}
	return certinfo.Fingerprint(certs[0])
}

func TestInspectText(t *testing.T) {
	dir := thunderbirdDir(t)
	env, out, errOut := testEnv(t, "")
	importFiles(t, env, "", filepath.Join(dir, "smime", "TestCA.pem"))
	file := filepath.Join(dir, "smime", "alice.dsig.SHA256.multipart.eml")
	if code := Run(context.Background(), env, []string{"inspect", "--at", corpusArrival, file}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{file, "From:        Alice@example.com", "Signature:   valid — The signature of this message was verified successfully.",
		"by Alice <alice@example.com>, issued by NSS Test CA (RSA)", "digest SHA-256, signed 20", "Layer 1:     signed valid",
		"    This is a test message from Alice to Bob."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// Usage errors.
	if code := Run(context.Background(), env, []string{"inspect"}); code != 2 {
		t.Errorf("inspect without files: exit %d, want 2", code)
	}
	// Standard input.
	raw, _ := os.ReadFile(file)
	env.Stdin = bytes.NewReader(raw)
	out.Reset()
	if code := Run(context.Background(), env, []string{"inspect", "--json", "--at", corpusArrival, "-"}); code != 0 {
		t.Fatalf("inspect -: exit %d: %s", code, errOut)
	}
	if got := decodeInspect(t, out.Bytes()); got[0].Signature.State != "valid" || got[0].File != "-" {
		t.Errorf("inspect -: got %+v", got[0])
	}
}

func TestInspectLongText(t *testing.T) {
	env, out, errOut := testEnv(t, "")
	file := filepath.Join(t.TempDir(), "long.eml")
	text := strings.Repeat("äbc ", 300)
	msg := "From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>\r\nSubject: =?iso-8859-1?q?Gr=FC=DFe?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
	if err := os.WriteFile(file, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := Run(context.Background(), env, []string{"inspect", "--json", file}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := decodeInspect(t, out.Bytes())[0]
	if got.Text != string([]rune(text)[:500]) {
		t.Errorf("text: got %d characters %q", len([]rune(got.Text)), got.Text)
	}
	if got.From != "j@example.org" || got.Subject != "Grüße" {
		t.Errorf("from/subject: got %q %q", got.From, got.Subject)
	}
	if got.Encryption.State != "none" || got.Signature.State != "none" || len(got.Layers) != 0 ||
		got.Signature.Message != "This message is not signed." || got.Encryption.Message != "This message is not encrypted." {
		t.Errorf("plain message: got %+v", got)
	}
}

// corpusArrival is when the Thunderbird corpus's messages arrived, as far
// as the tests are concerned: the day after they were made (the corpus
// records no arrival; inspect checks certificates at --at).
const corpusArrival = "2026-01-27"

// Without --at, inspect checks certificates now: a message signed long ago
// says so, and --at gives it the verdict of its arrival.
func TestInspectAt(t *testing.T) {
	dir := thunderbirdDir(t)
	env, out, _ := testEnv(t, "")
	importFiles(t, env, "", filepath.Join(dir, "smime", "TestCA.pem"))
	file := filepath.Join(dir, "smime", "alice.dsig.SHA256.multipart.eml")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"inspect", "--json", file}, "arrival-mismatch"},
		{[]string{"inspect", "--json", "--at", corpusArrival, file}, "valid"},
		{[]string{"inspect", "--json", "--at", "2026-01-27T10:00:00Z", file}, "valid"},
	} {
		out.Reset()
		if code := Run(context.Background(), env, tt.args); code != 0 {
			t.Fatalf("%v: exit %d", tt.args, code)
		}
		if got := decodeInspect(t, out.Bytes())[0].Signature.State; got != tt.want {
			t.Errorf("%v: %s, want %s", tt.args, got, tt.want)
		}
	}
	if code := Run(context.Background(), env, []string{"inspect", "--at", "yesterday", file}); code != 2 {
		t.Errorf("--at yesterday: exit %d, want 2", code)
	}
}
