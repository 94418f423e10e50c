package smime

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"siegel/crypto/certinfo"
	"siegel/crypto/cms"
	"siegel/message"
)

// Cipher is the content encryption Seal uses.
type Cipher int

// The ciphers of Seal.
const (
	AES256CBC Cipher = iota // the default: understood everywhere
	AES256GCM               // authEnveloped-data (RFC 5083/5084)
)

// KeyTransport is how Seal hands the content key to RSA recipients (EC
// recipients always get ECDH key agreement).
type KeyTransport int

// The key transports of Seal.
const (
	RSAPKCS1v15 KeyTransport = iota // the default
	RSAOAEP                         // RSAES-OAEP with SHA-256 and MGF1-SHA-256
)

// SealOptions say how Seal protects a message. The zero value neither
// signs nor encrypts.
type SealOptions struct {
	Sign, Encrypt bool
	Cipher        Cipher
	KeyTransport  KeyTransport
	// KeepSubject leaves the Subject of an encrypted message outside as
	// it is, for partners whose mail programs cannot show protected
	// headers; by default the outer Subject is "[...]" (RFC 9788).
	KeepSubject bool
}

// ObscuredSubject is the outer Subject of an encrypted message: the real
// one travels inside (RFC 9788 §11.1).
const ObscuredSubject = "[...]"

// protectedFields are the header fields Seal copies into the protected
// entity (RFC 9788 header protection).
var protectedFields = []string{"From", "Sender", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To", "References"}

// Errors of Seal and Check. Seal wraps them with detail; test with
// errors.Is, and with errors.As for *MissingCertError.
var (
	// ErrNoSignerKey means the sending address has no currently valid
	// certificate for signing whose private key is in the store.
	ErrNoSignerKey = errors.New("no valid signing certificate with a private key for the sender")
	// ErrMessage means the input is not a message Seal can protect: no
	// header block, or no From address.
	ErrMessage = errors.New("not a sealable message")
)

// MissingCertError names every address (recipients, and the sender, whose
// own copy must stay readable) without a usable encryption certificate.
// Seal returns it instead of ever sending plaintext.
type MissingCertError struct {
	Addresses []string
}

func (e *MissingCertError) Error() string {
	return "no valid encryption certificate for " + strings.Join(e.Addresses, ", ")
}

// Seal signs and/or encrypts a complete RFC 5322 message (as message.Build
// builds it) and returns the message to send.
//
// The top-level Content-* fields and MIME-Version with the body form the
// protected entity; all other fields (From, To, Cc, Subject, Date,
// Message-ID, threading) stay outside. Signing makes a detached
// multipart/signed (SHA-256, micalg=sha-256, the signer's chain included)
// over the entity in a transport-safe canonical form: CRLF, and bodies
// that are 8-bit, binary or have over-long lines re-encoded as
// quoted-printable or base64. Encryption (after signing) makes an
// application/pkcs7-mime enveloped-data (authEnveloped-data for AES-GCM)
// for every To and Cc address and for the sender, base64 in lines of 76.
//
// Errors: ErrMessage for unusable input; ErrNoSignerKey when signing is
// asked and the From address has no valid signing certificate with its
// key; *MissingCertError naming every address without a valid encryption
// certificate; *RevokedCertError naming every address whose certificate
// its CA revoked. There is never a fallback to less protection than asked.
// With neither Sign nor Encrypt, the message is returned in CRLF form.
func (e *Engine) Seal(ctx context.Context, raw []byte, opts SealOptions) ([]byte, error) {
	if opts.Cipher != AES256CBC && opts.Cipher != AES256GCM || opts.KeyTransport != RSAPKCS1v15 && opts.KeyTransport != RSAOAEP {
		return nil, fmt.Errorf("unknown cipher %d or key transport %d", opts.Cipher, opts.KeyTransport)
	}
	top := message.ParseEntity(raw)
	if top.Headless || len(top.Fields) == 0 {
		return nil, fmt.Errorf("%w: no header", ErrMessage)
	}
	if !opts.Sign && !opts.Encrypt {
		return message.Canonical(raw), nil
	}
	env := message.EnvelopeOf(&top)
	if env.FromProblem != "" {
		// A signature vouches for one sender; Open would call anything
		// else a sender mismatch.
		return nil, fmt.Errorf("%w: %s", ErrMessage, env.FromProblem)
	}
	from := strings.ToLower(env.Author.Address)
	at := e.now()

	var signer *signingKey
	if opts.Sign {
		var err error
		if signer, err = e.signingKey(ctx, from, at); err != nil {
			return nil, err
		}
	}
	var recipients []*x509.Certificate
	if opts.Encrypt {
		addrs, err := recipientAddresses(&top)
		if err != nil {
			return nil, err
		}
		choice, err := e.encryptionCerts(ctx, append(addrs, from), at, true)
		if err != nil {
			return nil, err
		}
		if len(choice.missing) > 0 {
			return nil, &MissingCertError{Addresses: choice.missing}
		}
		if len(choice.revoked) > 0 {
			return nil, &RevokedCertError{Recipients: choice.revoked}
		}
		recipients = choice.unique()
	}

	var outer, inner []message.Field
	for _, f := range top.Fields {
		if isContentField(f.Name()) {
			inner = append(inner, f)
		} else {
			outer = append(outer, f)
		}
	}
	if !slices.ContainsFunc(inner, func(f message.Field) bool { return f.Is("Content-Type") }) {
		inner = append(inner, message.NewField("Content-Type", "text/plain; charset=us-ascii"))
	}
	inner, outer = protectHeader(inner, outer, opts)
	head := message.AppendFields(nil, outer)

	// One buffer holds the protected entity and, when encrypting, later the
	// output: it is sized for the larger of the two, so that at most the
	// buffer and the ciphertext are alive at once (DESIGN: bounded memory
	// for large attachments).
	size := len(head) + len(top.Body) + len(top.Body)/32 + 16<<10
	if opts.Encrypt {
		size = len(head) + 1024 + message.Base64Len(size+2048+1024*len(recipients))
	}
	buf := make([]byte, 0, size)

	var entity []byte // the protected entity
	if opts.Sign {
		var err error
		if entity, err = e.sign(buf, signer, inner, top.Body, head, opts.Encrypt, at); err != nil {
			return nil, err
		}
		if !opts.Encrypt {
			return entity, nil // sign wrote the outer header in front
		}
	} else {
		entity = message.AppendSafeEntity(buf, inner, top.Body, 0)
	}

	eo := &cms.EncryptOptions{Cipher: cms.AES256CBC, KeyTransport: cms.RSAPKCS1v15}
	if opts.Cipher == AES256GCM {
		eo.Cipher = cms.AES256GCM
	}
	if opts.KeyTransport == RSAOAEP {
		eo.KeyTransport = cms.RSAOAEP
	}
	der, err := cms.Encrypt(entity, recipients, eo)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	smimeType := "enveloped-data"
	if opts.Cipher == AES256GCM {
		smimeType = "authEnveloped-data"
	}
	// The entity is encrypted: its buffer takes the output now.
	out := entity[:0]
	out = append(out, head...)
	out = append(out, "MIME-Version: 1.0\r\n"+
		"Content-Type: application/pkcs7-mime; smime-type="+smimeType+"; name=smime.p7m\r\n"+
		"Content-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename=smime.p7m\r\n"+
		"Content-Description: S/MIME Encrypted Message\r\n\r\n"...)
	return message.AppendBase64Lines(out, der), nil
}

// protectHeader puts a copy of the header fields into the protected
// entity and marks it (hp="clear" when only signing, hp="cipher" when
// encrypting); when encrypting, the outer Subject becomes "[...]" unless
// KeepSubject, and HP-Outer fields record what stays outside. Receivers
// that know RFC 9788 show the protected copy; the others show the outer
// header as before.
func protectHeader(inner, outer []message.Field, opts SealOptions) ([]message.Field, []message.Field) {
	hp := "clear"
	if opts.Encrypt {
		hp = "cipher"
	}
	var prot, hpOuter []message.Field
	newOuter := make([]message.Field, 0, len(outer))
	for _, f := range outer {
		if !slices.ContainsFunc(protectedFields, f.Is) {
			newOuter = append(newOuter, f)
			continue
		}
		prot = append(prot, f)
		if opts.Encrypt && f.Is("Subject") && !opts.KeepSubject {
			f = message.NewField("Subject", ObscuredSubject)
		}
		newOuter = append(newOuter, f)
		if opts.Encrypt {
			hpOuter = append(hpOuter, message.PrefixedField("HP-Outer", f))
		}
	}
	out := make([]message.Field, 0, len(prot)+len(hpOuter)+len(inner))
	out = append(append(out, prot...), hpOuter...)
	for _, f := range inner {
		if f.Is("Content-Type") {
			f = message.NewField("Content-Type", strings.TrimRight(strings.TrimSpace(f.Value()), ";")+`; hp="`+hp+`"`)
		}
		out = append(out, f)
	}
	return out, newOuter
}

// isContentField reports whether a top-level field belongs to the
// protected entity.
func isContentField(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "content-") || n == "mime-version"
}

// sign appends the multipart/signed entity to buf. Unless encrypt, it
// starts with the outer header of the message, so that the result is the
// whole message. The inner entity is written straight into the result and
// hashed there.
func (e *Engine) sign(buf []byte, s *signingKey, inner []message.Field, body, head []byte, encrypt bool, at time.Time) ([]byte, error) {
	boundary := newBoundary()
	if !encrypt {
		buf = append(buf, head...)
		buf = append(buf, "MIME-Version: 1.0\r\n"...)
	}
	buf = append(buf, "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;\r\n"+
		"\tboundary=\""+boundary+"\"\r\n\r\n"+
		"This is a cryptographically signed message in MIME format.\r\n\r\n"+
		"--"+boundary+"\r\n"...)
	start := len(buf)
	buf = message.AppendSafeEntity(buf, inner, body, 0)
	content := buf[start:]
	if bytes.Contains(content, []byte(boundary)) {
		return nil, fmt.Errorf("boundary collision") // 120 random bits: never in practice
	}
	sig, err := cms.SignDetached(content, s.cert, s.key, s.chain, &cms.SignOptions{Hash: crypto.SHA256, SigningTime: at})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	buf = append(buf, "\r\n--"+boundary+"\r\n"+
		"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"+
		"Content-Transfer-Encoding: base64\r\n"+
		"Content-Disposition: attachment; filename=smime.p7s\r\n"+
		"Content-Description: S/MIME Cryptographic Signature\r\n\r\n"...)
	buf = message.AppendBase64Lines(buf, sig)
	return append(buf, "--"+boundary+"--\r\n"...), nil
}

func newBoundary() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "----siegel-signed-" + hex.EncodeToString(b)
}

// recipientAddresses returns the addresses of every To and Cc field.
func recipientAddresses(top *message.Entity) ([]string, error) {
	var out []string
	for _, f := range top.Fields {
		if !f.Is("To") && !f.Is("Cc") {
			continue
		}
		l, err := message.ParseAddresses(f.Value())
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMessage, f.Name(), err)
		}
		for _, a := range l {
			out = append(out, strings.ToLower(a.Address))
		}
	}
	return out, nil
}

// signingKey is what signing needs.
type signingKey struct {
	cert  *x509.Certificate
	key   crypto.Signer
	chain []*x509.Certificate // issuers up to the anchor, when they are stored
}

// signingKey finds the newest currently valid signing certificate of addr
// with a private key in the store. The error wraps ErrNoSignerKey when
// there is none, else it is the store's error.
func (e *Engine) signingKey(ctx context.Context, addr string, at time.Time) (*signingKey, error) {
	certs, err := e.kr.CertsForAddress(ctx, addr, at)
	if err != nil {
		return nil, fmt.Errorf("looking up certificates for %s: %w", addr, err)
	}
	for _, c := range newestFirst(certs) {
		if !usableAt(c, at) || c.IsCA || !certinfo.CanSign(c) {
			continue
		}
		k, err := e.kr.PrivateKey(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("reading the private key of %s: %w", addr, err)
		}
		signer, ok := k.(crypto.Signer)
		if !ok || k == nil {
			continue
		}
		s := &signingKey{cert: c, key: signer}
		if tr := e.trustAt(ctx, c, nil, at); tr.verdict == trusted && len(tr.certs) > 1 {
			s.chain = tr.certs[1:]
		}
		return s, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoSignerKey, addr)
}

// certChoice is the encryption certificate chosen for each address.
type certChoice struct {
	addrs   []string
	certs   []*x509.Certificate // parallel to addrs; nil when missing
	missing []string
	revoked []RevokedRecipient
}

// unique returns the chosen certificates without repetitions.
func (c *certChoice) unique() []*x509.Certificate {
	var out []*x509.Certificate
	for _, cert := range c.certs {
		if cert != nil && !slices.ContainsFunc(out, cert.Equal) {
			out = append(out, cert)
		}
	}
	return out
}

// encryptionCerts chooses, for every address (duplicates dropped), the
// newest currently valid certificate with encryption usage that its CA
// has not revoked; an extra expired, unsuitable or revoked certificate
// never blocks. An address whose only usable certificates were revoked
// is listed in revoked, not in missing. Seal waits for the revocation
// answers (wait); the composer's Check takes what is known.
func (e *Engine) encryptionCerts(ctx context.Context, addrs []string, at time.Time, wait bool) (*certChoice, error) {
	ch := &certChoice{}
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || slices.Contains(ch.addrs, a) {
			continue
		}
		certs, err := e.kr.CertsForAddress(ctx, a, at)
		if err != nil {
			return nil, fmt.Errorf("looking up certificates for %s: %w", a, err)
		}
		var chosen *x509.Certificate
		var revoked *RevokedRecipient
		for _, c := range newestFirst(certs) {
			if !usableAt(c, at) || c.IsCA || !certinfo.CanEncrypt(c) {
				continue
			}
			if r := e.certRevocation(ctx, c, at, wait); r != nil && r.Status == RevRevoked {
				if revoked == nil {
					revoked = &RevokedRecipient{Address: a, Cert: certinfo.Describe(c), Revocation: *r}
				}
				continue
			}
			chosen = c
			break
		}
		ch.addrs = append(ch.addrs, a)
		ch.certs = append(ch.certs, chosen)
		switch {
		case chosen != nil:
		case revoked != nil:
			ch.revoked = append(ch.revoked, *revoked)
		default:
			ch.missing = append(ch.missing, a)
		}
	}
	return ch, nil
}

// certRevocation asks about a stored certificate and its chain.
func (e *Engine) certRevocation(ctx context.Context, c *x509.Certificate, at time.Time, wait bool) *Revocation {
	if e.rev == nil {
		return nil
	}
	chain := []*x509.Certificate{c}
	if tr := e.trustAt(ctx, c, nil, at); tr.verdict == trusted && len(tr.certs) > 0 {
		chain = tr.certs
	}
	return e.chainRevocation(ctx, chain, nil, wait)
}

func usableAt(c *x509.Certificate, t time.Time) bool {
	return !t.Before(c.NotBefore) && !t.After(c.NotAfter)
}

// newestFirst orders certificates by NotBefore, newest first (the store
// promises it; the engine does not depend on it).
func newestFirst(certs []*x509.Certificate) []*x509.Certificate {
	out := slices.Clone(certs)
	slices.SortStableFunc(out, func(a, b *x509.Certificate) int { return b.NotBefore.Compare(a.NotBefore) })
	return out
}
