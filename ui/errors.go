package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/crypto/smime"
	"siegel/crypto/vault"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/message"
	"siegel/profile"
)

// The core reports failures as sentinel and typed errors; the words are
// the UI's. errorText turns every error the views can meet into its own
// translated sentence, with the technical detail after it when that helps
// (a server's reply, a file name).

// errorKeys maps sentinel errors to translation keys, most specific first
// (account.ErrCertificate also matches account.ErrTLS).
var errorKeys = []struct {
	err error
	key string
}{
	// The certificate store.
	{certs.ErrTooLarge, "error.certs.too-large"},
	{certs.ErrNothingFound, "error.certs.nothing-found"},
	{certs.ErrMalformed, "error.certs.malformed"},
	{certs.ErrPassphraseRequired, "error.certs.passphrase-required"},
	{certs.ErrWrongPassphrase, "error.certs.wrong-passphrase"},
	{certs.ErrUnsupportedEncryption, "error.certs.unsupported-encryption"},
	{certs.ErrUnsupportedKey, "error.certs.unsupported-key"},
	{certs.ErrKeyWithoutCert, "error.certs.key-without-cert"},
	{certs.ErrNotFound, "error.certs.not-found"},
	{certs.ErrNoKey, "error.certs.no-key"},
	{certs.ErrEmptyPassphrase, "error.certs.empty-passphrase"},
	// Revocation lists.
	{revocation.ErrNotCRL, "error.crl.not-crl"},
	{revocation.ErrNoIssuer, "error.crl.no-issuer"},
	{revocation.ErrBadSignature, "error.crl.bad-signature"},
	{revocation.ErrStale, "error.crl.stale"},
	{revocation.ErrTooLarge, "error.crl.too-large"},
	// The profile.
	{vault.ErrWrongPassphrase, "error.profile.wrong-passphrase"},
	{vault.ErrEmptyPassphrase, "error.profile.empty-passphrase"},
	{vault.ErrCorrupt, "error.profile.corrupt"},
	{profile.ErrNoPassphrase, "error.profile.no-passphrase"},
	{profile.ErrAdminPassword, "error.admin.wrong"},
	{profile.ErrAdminRequired, "error.admin.required"},
	// Accounts and servers.
	{account.ErrDNS, "error.account.dns"},
	{account.ErrRefused, "error.account.refused"},
	{account.ErrTimeout, "error.account.timeout"},
	{account.ErrCertificate, "error.account.certificate"},
	{account.ErrTLS, "error.account.tls"},
	{account.ErrAuth, "error.account.auth"},
	{account.ErrNoMailbox, "error.account.no-mailbox"},
	{account.ErrPlainRemote, "error.account.plain-remote"},
	{account.ErrAddress, "error.account.address"},
	{account.ErrSignature, "error.account.signature"},
	{account.ErrURL, "error.account.server"},
	{account.ErrTrust, "error.account.trust"},
	{mail.ErrAccountExists, "error.account.exists"},
	{mail.ErrAccountInUse, "error.account.in-use"},
	{mail.ErrNoAccount, "error.account.none"},
	// Writing and sending.
	{smime.ErrNoSignerKey, "error.send.no-signer-key"},
	{message.ErrNoRecipients, "error.send.no-recipients"},
	{message.ErrAddress, "error.send.address"},
	{message.ErrInvalidText, "error.send.text"},
	{mail.ErrDraftSent, "error.send.draft-sent"},
	{mail.ErrOutboxBusy, "error.send.busy"},
	// Tickets.
	{mail.ErrNoTicket, "error.ticket.none"},
	{mail.ErrNoArticle, "error.article.none"},
	{context.DeadlineExceeded, "error.timeout"},
}

// errorText is the sentence the user reads for err.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	var rule *certs.RuleError
	if errors.As(err, &rule) {
		return trf("error.certs.rule", map[string]any{"Subject": rule.Subject, "Rule": ruleText(rule.Rule, rule.Detail)})
	}
	var missing *smime.MissingCertError
	if errors.As(err, &missing) {
		return trf("error.send.missing-cert", map[string]any{"Addresses": strings.Join(missing.Addresses, ", ")})
	}
	var fe *certs.FileError
	if errors.As(err, &fe) {
		return fe.Name + ": " + errorText(fe.Err)
	}
	// Joined errors (Test connection reports IMAP and SMTP) read one per line.
	if j, ok := err.(interface{ Unwrap() []error }); ok && !isServerError(err) {
		var lines []string
		for _, e := range j.Unwrap() {
			lines = append(lines, errorText(e))
		}
		return strings.Join(lines, "\n")
	}
	var se *account.Error
	if errors.As(err, &se) {
		return serverErrorText(se)
	}
	for _, k := range errorKeys {
		if errors.Is(err, k.err) {
			return tr(k.key)
		}
	}
	return trf("error.other", map[string]any{"Error": err.Error()})
}

func isServerError(err error) bool {
	_, ok := err.(*account.Error)
	return ok
}

// serverErrorText names the server and says what went wrong with it.
func serverErrorText(e *account.Error) string {
	what := ""
	for _, k := range errorKeys {
		if e.Kind != nil && errors.Is(e.Kind, k.err) {
			what = tr(k.key)
			break
		}
	}
	if what == "" {
		what = trf("error.other", map[string]any{"Error": e.Err})
	}
	return trf("error.account.server-failed", map[string]any{"Protocol": string(e.Protocol), "Addr": e.Addr, "What": what})
}

// ruleText says which S/MIME rule of DESIGN.md §4 a certificate fails.
func ruleText(r certs.Rule, detail string) string {
	var s string
	switch r {
	case certs.RuleEmail:
		s = tr("error.certs.rule.email")
	case certs.RuleKeyUsage:
		s = tr("error.certs.rule.key-usage")
	case certs.RuleExtKeyUsage:
		s = tr("error.certs.rule.ext-key-usage")
	case certs.RuleKeyType:
		s = tr("error.certs.rule.key-type")
	case certs.RuleKeySize:
		s = tr("error.certs.rule.key-size")
	default:
		s = r.String()
	}
	if detail != "" {
		s += " (" + detail + ")"
	}
	return s
}

// errorKey is the translation key errorKeys gives err, or "".
func errorKey(err error) string {
	for _, k := range errorKeys {
		if errors.Is(err, k.err) {
			return k.key
		}
	}
	return ""
}

// errorTitles name what failed by the part of the program the error's
// key belongs to (its prefix): a dialog titled "Something went wrong"
// says nothing the text would not say better.
var errorTitles = []struct{ prefix, title string }{
	{"error.certs.", "error.title.certs"},
	{"error.crl.", "error.title.crl"},
	{"error.profile.", "error.title.profile"},
	{"error.admin.", "error.title.admin"},
	{"error.account.", "error.title.account"},
	{"error.send.", "error.title.send"},
	{"error.ticket.", "error.title.ticket"},
	{"error.article.", "error.title.ticket"},
	{"error.timeout", "error.title.timeout"},
}

// errorTitle is the title of the dialog that shows err.
func errorTitle(err error) string {
	var rule *certs.RuleError
	var missing *smime.MissingCertError
	var fe *certs.FileError
	var se *account.Error
	key := ""
	switch {
	case errors.As(err, &rule):
		key = "error.certs."
	case errors.As(err, &missing):
		key = "error.send."
	case errors.As(err, &fe):
		return errorTitle(fe.Err)
	case errors.As(err, &se):
		key = "error.account."
	default:
		if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
			return errorTitle(j.Unwrap()[0])
		}
		key = errorKey(err)
	}
	for _, t := range errorTitles {
		if strings.HasPrefix(key, t.prefix) {
			return tr(t.title)
		}
	}
	return tr("dialog.error")
}

// errorDialog shows err as an error: its title says what failed, the
// error icon beside the sentence (Fyne's own error dialog has the icon
// but only a fixed title, its information dialog the wrong icon).
func errorDialog(win fyne.Window, err error) dialog.Dialog {
	icon := widget.NewIcon(theme.ErrorIcon())
	text := wrapLabel(errorText(err))
	text.Selectable = true // to copy a server's reply into a ticket
	content := container.NewBorder(nil, nil, container.NewVBox(icon), nil, text)
	d := dialog.NewCustom(errorTitle(err), tr("dialog.ok"), content, win)
	d.Resize(dialogSize(win, 480, d.MinSize().Height))
	return d
}
