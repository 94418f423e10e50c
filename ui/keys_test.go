package ui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"siegel/assets"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/mail/account"
)

// Every text the UI asks for exists in the translations (the assets tests
// check that German has every English key).
func TestTranslationKeys(t *testing.T) {
	keys := map[string]bool{}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok || fn.Name != "tr" && fn.Name != "trf" && fn.Name != "trn" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true // a key made at run time: the families below
			}
			key, _ := strconv.Unquote(lit.Value)
			keys[key] = true
			if fn.Name == "trn" {
				keys[key+".one"] = true
			}
			return true
		})
	}
	if len(keys) < 200 {
		t.Fatalf("found only %d keys in the source", len(keys))
	}
	for _, s := range []smime.SignatureState{smime.SigNone, smime.SigMalformed, smime.SigTampered, smime.SigRevoked, smime.SigCertNotFound,
		smime.SigUntrusted, smime.SigExpired, smime.SigSenderMismatch, smime.SigWeak, smime.SigArrivalMismatch, smime.SigDateMismatch, smime.SigValid} {
		keys[s.MessageKey()] = true
		keys["short.signature."+string(s)] = true
	}
	for _, s := range []smime.EncryptionState{smime.EncNone, smime.EncDecrypted, smime.EncNoKey, smime.EncFailed} {
		keys[s.MessageKey()] = true
		keys["short.encryption."+string(s)] = true
	}
	for _, s := range []mail.TicketState{mail.TicketNew, mail.TicketOpen, mail.TicketClosed} {
		keys["ticket.state."+string(s)] = true
	}
	for _, k := range []smime.LayerKind{smime.LayerSigned, smime.LayerOpaqueSigned, smime.LayerEnveloped, smime.LayerAuthEnveloped} {
		keys["layer."+string(k)] = true
	}
	for _, s := range []account.Security{account.TLS, account.StartTLS, account.Plain} {
		keys["accounts.security."+string(s)] = true
	}
	for _, k := range colHeaders {
		keys[k] = true
	}
	for _, k := range errorKeys {
		keys[k.key] = true
	}
	keys["certs.delete.confirm-key"] = true
	for _, whose := range []string{revSigner, revCert, "ca"} {
		keys["revocation.revoked."+whose] = true
		keys["revocation.revoked."+whose+".date"] = true
	}
	for _, src := range []string{"ocsp", "crl"} {
		keys["revocation.source."+src] = true
	}
	for _, reason := range []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "removeFromCRL", "privilegeWithdrawn", "aACompromise"} {
		keys["revocation.reason."+reason] = true
	}
	for key := range keys {
		if assets.Text("en", key) == key {
			t.Errorf("en.json lacks %q", key)
		}
	}
}
