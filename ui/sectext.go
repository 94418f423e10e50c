package ui

import (
	"slices"
	"strings"
	"time"

	"siegel/assets"
	"siegel/crypto/certinfo"
	"siegel/crypto/smime"
	"siegel/message"
)

// The words of the security bar and its tooltips (DESIGN.md §3). The long
// state texts are the keys the engine names (signature.*, encryption.*);
// the short labels and the tooltip lines are the UI's.

// expiryWarning is how close to its end a certificate is marked.
const expiryWarning = 30 * 24 * time.Hour

// encryptionLabel is the short label beside the lock.
func encryptionLabel(s smime.EncryptionState) string {
	return tr("short.encryption." + string(orEncNone(s)))
}

// signatureLabel is the short label beside the seal.
func signatureLabel(s smime.SignatureState) string {
	return tr("short.signature." + string(orSigNone(s)))
}

func orEncNone(s smime.EncryptionState) smime.EncryptionState {
	if s == "" {
		return smime.EncNone
	}
	return s
}

func orSigNone(s smime.SignatureState) smime.SignatureState {
	if s == "" {
		return smime.SigNone
	}
	return s
}

// validity is "valid from – until", with a warning when the certificate
// has expired or expires within 30 days.
func validity(info *certinfo.Info, now time.Time) string {
	s := trf("cert.validity", map[string]any{"From": formatDate(info.NotBefore), "Until": formatDate(info.NotAfter)})
	if w := expiryNote(info, now); w != "" {
		s += "  ⚠ " + w
	}
	return s
}

// expiryNote says "expired" or "expires in N days", or nothing.
func expiryNote(info *certinfo.Info, now time.Time) string {
	switch {
	case now.After(info.NotAfter):
		return tr("cert.expired")
	case now.Before(info.NotBefore):
		return tr("cert.not-yet-valid")
	case info.NotAfter.Sub(now) <= expiryWarning:
		days := int(info.NotAfter.Sub(now).Hours()/24) + 1
		return trf("cert.expires-in", map[string]any{"Days": days})
	}
	return ""
}

// groupedFingerprint is the SHA-256 fingerprint in blocks of four, on two
// lines of eight blocks, for reading aloud on the phone.
func groupedFingerprint(fp string) string {
	g := strings.Fields(certinfo.GroupFingerprint(fp))
	if len(g) <= 8 {
		return strings.Join(g, " ")
	}
	return strings.Join(g[:8], " ") + "\n" + strings.Join(g[8:], " ")
}

// certLines is the certificate summary of a tooltip: subject and
// addresses, issuer, validity, fingerprint and key.
func certLines(info *certinfo.Info, now time.Time) []string {
	name := info.Subject
	if len(info.Emails) > 0 {
		name += " <" + strings.Join(info.Emails, ", ") + ">"
	}
	return []string{
		name,
		trf("cert.issuer", map[string]any{"Issuer": info.Issuer}),
		validity(info, now),
		tr("cert.fingerprint") + "\n" + groupedFingerprint(info.Fingerprint),
		trf("cert.key", map[string]any{"Key": info.KeyDescription()}),
	}
}

// signatureTooltip is the tooltip of an article's seal: the state text,
// then who signed, the certificate, its chain up to the trusted CA, the
// digest algorithm and the signing time.
func signatureTooltip(r *smime.Result, now time.Time) string {
	state := orSigNone(r.Signature)
	lines := []string{tr(state.MessageKey())}
	if state == smime.SigNone {
		return lines[0]
	}
	lines = append(lines, coverageLine(r))
	lines = append(lines, revocationLines(r.Revocation, revSigner, false)...)
	if r.Signer != nil {
		lines = append(lines, "", tr("tip.signed-by"))
		lines = append(lines, certLines(r.Signer, now)...)
	}
	if len(r.Chain) > 1 {
		names := make([]string, len(r.Chain))
		for i, c := range r.Chain {
			names[i] = c.Subject
		}
		lines = append(lines, trf("tip.chain", map[string]any{"Chain": strings.Join(names, " → ")}))
	} else if len(r.Chain) == 1 && state == smime.SigValid {
		lines = append(lines, tr("tip.pinned"))
	}
	if r.Digest != "" {
		lines = append(lines, trf("tip.digest", map[string]any{"Digest": r.Digest}))
	}
	if !r.SigningTime.IsZero() {
		lines = append(lines, trf("tip.signing-time-claim", map[string]any{"Time": formatTime(r.SigningTime)}))
	}
	if !r.Arrived.IsZero() {
		lines = append(lines, trf("tip.arrived", map[string]any{"Time": formatTime(r.Arrived)}))
	}
	if !r.ExpiredSince.IsZero() && state == smime.SigValid {
		lines = append(lines, trf("tip.expired-since", map[string]any{"Date": formatTime(r.ExpiredSince)}))
	}
	lines = append(lines, "", tr("tip.click-details"))
	return joinTooltip(lines)
}

// encryptionTooltip is the tooltip of an article's lock: the state text,
// the content cipher and key transport, and our certificate whose key
// opened the message.
func encryptionTooltip(r *smime.Result, now time.Time) string {
	state := orEncNone(r.Encryption)
	lines := []string{tr(state.MessageKey())}
	if state == smime.EncNone {
		return lines[0]
	}
	if r.Cipher != "" {
		lines = append(lines, trf("tip.cipher", map[string]any{"Cipher": r.Cipher}))
	}
	if r.KeyTransport != "" {
		lines = append(lines, trf("tip.key-transport", map[string]any{"KeyTransport": r.KeyTransport}))
	}
	lines = append(lines, obscuredLines(r)...)
	if r.Recipient != nil {
		lines = append(lines, "", tr("tip.decrypted-with"))
		lines = append(lines, certLines(r.Recipient, now)...)
	}
	lines = append(lines, "", tr("tip.click-details"))
	return joinTooltip(lines)
}

// coverageLine says which header fields a signature covers: S/MIME signs
// the body, so without a protected header (RFC 9788) the Subject above the
// text is whatever the last hop wrote, and the seal must not seem to vouch
// for it.
func coverageLine(r *smime.Result) string {
	if r.Protected != nil && r.Protected.Signed {
		return tr("tip.protected.signed")
	}
	return tr("tip.protected.none")
}

// obscuredLines say which fields the sender hid outside the encryption on
// purpose, with what stands there instead, so that "[...]" in another mail
// program does not look like damage.
func obscuredLines(r *smime.Result) []string {
	if r.Protected == nil {
		return nil
	}
	var lines []string
	for _, f := range r.Protected.Obscured {
		if f == "Subject" {
			lines = append(lines, trf("tip.protected.obscured.subject", map[string]any{"Outer": r.Envelope.Subject}))
		}
	}
	return lines
}

// protectedFields are the header fields RFC 9788 protects that the views
// compare, in the engine's names (smime.Protected.Differs, Obscured).
var protectedFields = []string{"Subject", "From", "To", "Cc", "Date"}

// fieldName is a protected header field's name in the user's language.
func fieldName(field string) string {
	return tr("protected.field." + strings.ToLower(field))
}

// outerValue is a header field as it stands outside the signature or
// encryption, written as the card writes it; "" when the field is missing.
func outerValue(env *message.Envelope, field string) string {
	switch field {
	case "Subject":
		return env.Subject
	case "From":
		return addressList(env.From)
	case "To":
		return addressList(env.To)
	case "Cc":
		return addressList(env.Cc)
	case "Date":
		if !env.Date.IsZero() {
			return formatTime(env.Date)
		}
	}
	return ""
}

// differsLines are the card's notes on a protected header: one line per
// field whose outer value differs from the protected one the card shows,
// naming what stands outside ("outside the signature", or "outside the
// encryption" when no signature covers the protected copy).
func differsLines(p *smime.Protected, outer *message.Envelope) []string {
	if p == nil {
		return nil
	}
	where := "encryption"
	if p.Signed {
		where = "signature"
	}
	var lines []string
	for _, f := range p.Differs {
		if !slices.Contains(protectedFields, f) {
			continue
		}
		v := outerValue(outer, f)
		if v == "" {
			lines = append(lines, trf("protected.missing."+where, map[string]any{"Field": fieldName(f)}))
			continue
		}
		lines = append(lines, trf("protected.outside."+where+"."+strings.ToLower(f), map[string]any{"Value": v}))
	}
	return lines
}

// fieldValueLines are "Field: “outer value”" lines for the details.
func fieldValueLines(fields []string, outer *message.Envelope) string {
	var lines []string
	for _, f := range fields {
		if v := outerValue(outer, f); v != "" {
			lines = append(lines, trf("protected.field-value", map[string]any{"Field": fieldName(f), "Value": v}))
		} else {
			lines = append(lines, trf("protected.field-missing", map[string]any{"Field": fieldName(f)}))
		}
	}
	return strings.Join(lines, "\n")
}

// joinTooltip joins tooltip lines, keeping single empty lines as spacers.
func joinTooltip(lines []string) string {
	var out []string
	for _, l := range lines {
		if l == "" && (len(out) == 0 || out[len(out)-1] == "") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n")
}

// recipientLine is one line of the Encrypt button's tooltip.
func recipientLine(rc smime.RecipientCert, now time.Time) string {
	line := rc.Address + ": " + rc.Cert.Subject + ", " + trf("cert.issued-by", map[string]any{"Issuer": rc.Cert.Issuer}) +
		", " + trf("cert.until", map[string]any{"Until": formatDate(rc.Cert.NotAfter)})
	if w := expiryNote(&rc.Cert, now); w != "" {
		line += " ⚠ " + w
	}
	return line + ", " + shortFingerprint(rc.Cert.Fingerprint)
}

// shortFingerprint is the first four blocks of a fingerprint, enough to
// tell certificates apart in a one-line summary.
func shortFingerprint(fp string) string {
	g := strings.Fields(certinfo.GroupFingerprint(fp))
	if len(g) > 4 {
		g = append(g[:4], "…")
	}
	return strings.Join(g, " ")
}

// Whose certificate a revocation answer is about when it names no issuing
// CA: the signer's (an article's seal) or the one being shown (the
// certificate store).
const (
	revSigner = "signer"
	revCert   = "cert"
)

// revocationLines says what the CA answered about revocation: for a
// revocation, which certificate (the signer's, or the issuing CA the
// answer names), since when, why and per which source; that the check is
// under way or could not be made, and why; or that it is not revoked.
// "Not checked" is only said when notChecked is set (the details): on a
// seal it would be noise beside every signature of an offline desk.
func revocationLines(r *smime.Revocation, whose string, notChecked bool) []string {
	if r == nil {
		return nil
	}
	switch r.Status {
	case smime.RevRevoked:
		key, data := "revocation.revoked."+whose, map[string]any{"Subject": r.Subject}
		if r.Subject != "" {
			key = "revocation.revoked.ca"
		}
		if !r.RevokedAt.IsZero() {
			key += ".date"
			data["Date"] = formatDate(r.RevokedAt)
		}
		lines := []string{trf(key, data)}
		if r.Reason != "" {
			lines = append(lines, trf("revocation.reason", map[string]any{"Reason": revocationReason(r.Reason)}))
		}
		if r.Source != "" {
			src := map[string]any{"Source": revocationSource(r.Source), "Time": formatTime(r.CheckedAt)}
			if r.CheckedAt.IsZero() {
				lines = append(lines, trf("revocation.source", src))
			} else {
				lines = append(lines, trf("revocation.source.checked", src))
			}
		}
		return lines
	case smime.RevUnknown:
		data := map[string]any{"Reason": r.Reason, "Subject": r.Subject}
		switch {
		case r.Reason == "":
			return []string{tr("revocation.unknown.no-reason")}
		case r.Subject != "":
			return []string{trf("revocation.unknown.ca", data)}
		}
		return []string{trf("revocation.unknown", data)}
	case smime.RevChecking:
		return []string{tr("revocation.checking")}
	case smime.RevGood:
		if r.Source == "" || r.CheckedAt.IsZero() {
			return []string{tr("revocation.good.plain")}
		}
		return []string{trf("revocation.good", map[string]any{"Time": formatTime(r.CheckedAt), "Source": revocationSource(r.Source)})}
	}
	if !notChecked {
		return nil
	}
	if r.Reason == "" {
		return []string{tr("revocation.not-checked.no-reason")}
	}
	return []string{trf("revocation.not-checked", map[string]any{"Reason": r.Reason})}
}

// revocationReason is an RFC 5280 reason code name in words; a name the
// translations do not know is shown as the CA wrote it.
func revocationReason(name string) string {
	key := "revocation.reason." + name
	if assets.Text("en", key) == key {
		return name
	}
	return tr(key)
}

// revocationSource names where an answer came from.
func revocationSource(s string) string {
	switch s {
	case "ocsp", "crl":
		return tr("revocation.source." + s)
	}
	return strings.ToUpper(s)
}
