package smime

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"siegel/crypto/cms"
)

// opener holds the state of one Open call.
type opener struct {
	e    *Engine
	ctx  context.Context
	from []string  // every From address (all fields, all addresses), lower-cased
	date time.Time // the Date header; zero when absent or unreadable
	res  *Result
}

// Open analyses a received message (its raw RFC 5322 bytes) layer by layer
// and returns the security result. It never fails and never panics: every
// problem becomes a state of the result with a reason in its layer.
//
// The flow (DESIGN.md §3):
//  1. Read the outer header: From and Date are what signatures are
//     checked against.
//  2. Unwrap from the outside in, at most 8 layers, in any order: a
//     multipart/signed with a pkcs7-signature (verify the first part as it
//     stands, in canonical CRLF form, and go on with it); an
//     application/pkcs7-mime (or a whole-message .p7m) holding signed-data
//     (verify, go on with the encapsulated content), enveloped-data or
//     authEnveloped-data (decrypt with the key the recipient identifier
//     names, go on with the plaintext). A multipart/signed of another
//     protocol (OpenPGP) is passed through unverified.
//  3. Anything else ends the chain, in particular multipart/mixed and
//     multipart/alternative: S/MIME parts inside them are attachments,
//     never layers, so they are neither decrypted nor verified into the
//     message (EFAIL).
//  4. The article's signature state is the worst over the signature
//     layers; its encryption state is that of the innermost envelope.
//     Content is the innermost entity reached.
func (e *Engine) Open(ctx context.Context, raw []byte) (res *Result) {
	res = &Result{Encryption: EncNone, Signature: SigNone, Analysed: e.now()}
	o := &opener{e: e, ctx: ctx, res: res}
	defer func() {
		// Fuzzing finds no panic, but a bug must cost one message its
		// verdict, never the processing of the others: the message is then
		// malformed, any envelope failed, and only the raw bytes are shown.
		if r := recover(); r != nil {
			*res = Result{Encryption: EncNone, Signature: SigMalformed, Analysed: res.Analysed, Layers: res.Layers, Content: raw}
			for _, l := range res.Layers {
				if l.Kind == LayerEnveloped || l.Kind == LayerAuthEnveloped {
					res.Encryption = EncFailed
				}
			}
			res.Layers = append(res.Layers, Layer{Kind: LayerSigned, State: string(SigMalformed),
				Reason: fmt.Sprintf("internal error: %v", r)})
		}
	}()

	top := parseEntity(skipMboxLine(raw))
	o.from = fromAddresses(top.getAll("From"))
	o.date = parseDate(top.get("Date"))

	cur := top
	for depth := 0; ; depth++ {
		k, p := classify(&cur)
		if k == notLayer {
			break
		}
		if depth >= maxDepth {
			o.tooDeep(k, p)
			break
		}
		next, ok := o.unwrap(&cur, k, p)
		if !ok {
			break
		}
		cur = parseEntity(next)
	}
	res.Content = displayEntity(&cur)
	o.summarise()
	return res
}

// layerType is what classify finds at one level.
type layerType int

const (
	notLayer     layerType = iota
	signedLayer            // multipart/signed, pkcs7-signature
	mimeLayer              // application/pkcs7-mime or a whole-message .p7m
	foreignLayer           // multipart/signed of another protocol: passed through
)

// classify detects an S/MIME layer by structure; p is the media type's
// parameters.
func classify(e *entity) (layerType, map[string]string) {
	if e.headless {
		return notLayer, nil
	}
	mt, p := e.mediaType()
	switch mt {
	case "multipart/signed":
		switch proto := strings.ToLower(p["protocol"]); proto {
		case "application/pkcs7-signature", "application/x-pkcs7-signature":
			return signedLayer, p
		case "":
			// No protocol: S/MIME when the second part is a pkcs7-signature.
			if parts, err := splitMultipart(e.body, p["boundary"]); err == nil && len(parts) >= 2 {
				sig := parseEntity(parts[1])
				if isSignatureType(&sig) {
					return signedLayer, p
				}
			}
			return foreignLayer, p
		default:
			return foreignLayer, p
		}
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		return mimeLayer, p
	case "application/octet-stream":
		_, dp := e.disposition()
		if strings.HasSuffix(strings.ToLower(p["name"]), ".p7m") || strings.HasSuffix(strings.ToLower(dp["filename"]), ".p7m") {
			return mimeLayer, p
		}
	}
	return notLayer, nil
}

func isSignatureType(e *entity) bool {
	mt, _ := e.mediaType()
	return mt == "application/pkcs7-signature" || mt == "application/x-pkcs7-signature"
}

// unwrap handles one layer, records it, and returns the entity inside.
func (o *opener) unwrap(cur *entity, k layerType, p map[string]string) ([]byte, bool) {
	switch k {
	case signedLayer:
		return o.unwrapSigned(cur, p)
	case mimeLayer:
		return o.unwrapMIME(cur, p)
	case foreignLayer:
		parts, err := splitMultipart(cur.body, p["boundary"])
		if err != nil || len(parts) == 0 {
			return nil, false
		}
		return parts[0], true
	}
	return nil, false
}

// unwrapSigned verifies a multipart/signed: the first part exactly as it
// stands (CRLF-canonical) against the signature in the second. An eContent
// embedded in the signature is ignored: the part shown is the part
// verified.
func (o *opener) unwrapSigned(cur *entity, p map[string]string) ([]byte, bool) {
	l := Layer{Kind: LayerSigned}
	defer func() { o.res.Layers = append(o.res.Layers, l) }()
	parts, err := splitMultipart(cur.body, p["boundary"])
	if err != nil {
		l.State, l.Reason = string(SigMalformed), err.Error()
		return nil, false
	}
	if len(parts) < 2 {
		l.State, l.Reason = string(SigMalformed), fmt.Sprintf("multipart/signed with %d part(s), want 2", len(parts))
		if len(parts) == 0 {
			return nil, false
		}
		return parts[0], true
	}
	sigPart := parseEntity(parts[1])
	if !isSignatureType(&sigPart) {
		mt, _ := sigPart.mediaType()
		l.State, l.Reason = string(SigMalformed), "second part is "+mt+", not a pkcs7-signature"
		return parts[0], true
	}
	der, err := sigPart.decodedBody(o.e.maxSize)
	if err != nil {
		l.State, l.Reason = string(SigMalformed), "signature part: "+err.Error()
		return parts[0], true
	}
	sd, err := cms.ParseSignedData(der)
	if err != nil {
		l.State, l.Reason = string(SigMalformed), err.Error()
		return parts[0], true
	}
	o.verifyLayer(&l, sd, canonical(parts[0]))
	return parts[0], true
}

// unwrapMIME opens an application/pkcs7-mime layer. What it holds is
// decided by the CMS content type; the smime-type parameter only names the
// layer when the CMS cannot be read.
func (o *opener) unwrapMIME(cur *entity, p map[string]string) ([]byte, bool) {
	smimeType := strings.ToLower(p["smime-type"])
	if smimeType == "certs-only" || smimeType == "compressed-data" {
		return nil, false // not a protection layer: shown as an attachment
	}
	fallback := Layer{Kind: LayerEnveloped, State: string(EncFailed)}
	switch smimeType {
	case "signed-data":
		fallback = Layer{Kind: LayerOpaqueSigned, State: string(SigMalformed)}
	case "authenveloped-data":
		fallback.Kind = LayerAuthEnveloped
	}
	der, err := cur.decodedBody(o.e.maxSize)
	if err != nil {
		fallback.Reason = err.Error()
		o.res.Layers = append(o.res.Layers, fallback)
		return nil, false
	}
	ct, err := cms.ContentType(der)
	if err != nil {
		fallback.Reason = err.Error()
		o.res.Layers = append(o.res.Layers, fallback)
		return nil, false
	}
	switch {
	case ct.Equal(cms.OIDSignedData):
		return o.unwrapOpaque(der)
	case ct.Equal(cms.OIDEnvelopedData), ct.Equal(cms.OIDAuthEnvelopedData):
		return o.unwrapEnveloped(der)
	}
	return nil, false // another CMS type (compressed, digested, ...): an attachment
}

// unwrapOpaque verifies signed-data with encapsulated content and returns
// that content.
func (o *opener) unwrapOpaque(der []byte) ([]byte, bool) {
	l := Layer{Kind: LayerOpaqueSigned}
	defer func() { o.res.Layers = append(o.res.Layers, l) }()
	sd, err := cms.ParseSignedData(der)
	if err != nil {
		l.State, l.Reason = string(SigMalformed), err.Error()
		return nil, false
	}
	if sd.Content == nil {
		if len(sd.Signers) == 0 {
			// A certificates-only structure without smime-type: no layer.
			l.State, l.Reason = string(SigMalformed), "signed-data without content or signers"
			return nil, false
		}
		l.State, l.Reason = string(SigMalformed), "signed-data without encapsulated content (detached signature without its content)"
		return nil, false
	}
	o.verifyLayer(&l, sd, sd.Content)
	return sd.Content, true
}

// keyringError marks an error of the Keyring inside cms.Decrypt's error.
type keyringError struct{ err error }

func (e *keyringError) Error() string { return e.err.Error() }
func (e *keyringError) Unwrap() error { return e.err }

// unwrapEnveloped decrypts enveloped-data or authEnveloped-data with the
// key that a RecipientInfo's identifier names.
func (o *opener) unwrapEnveloped(der []byte) ([]byte, bool) {
	l := Layer{Kind: LayerEnveloped}
	defer func() { o.res.Layers = append(o.res.Layers, l) }()
	env, err := cms.ParseEnvelope(der)
	if err != nil {
		l.State, l.Reason = string(EncFailed), err.Error()
		return nil, false
	}
	if env.Auth {
		l.Kind = LayerAuthEnveloped
	}
	l.Cipher, l.Recipients = env.Cipher, len(env.Recipients)
	dec, err := env.Decrypt(o.ctx, o.lookupKey)
	var kerr *keyringError
	switch {
	case err == nil:
	case errors.Is(err, cms.ErrNoKey):
		l.State, l.Reason = string(EncNoKey), err.Error()+": "+recipientList(env)
		return nil, false
	case errors.As(err, &kerr):
		l.State, l.Reason = string(EncNoKey), err.Error()
		return nil, false
	default:
		l.State, l.Reason = string(EncFailed), err.Error()
		return nil, false
	}
	l.State = string(EncDecrypted)
	info := *o.e.describe(dec.Recipient) // a copy: the result is the caller's
	l.Recipient = &info
	l.KeyTransport = dec.KeyTransport
	return dec.Content, true
}

// lookupKey finds our certificate and private key for a recipient
// identifier: by issuer and serial or by subject key identifier, never by
// guessing from the address fields.
func (o *opener) lookupKey(ctx context.Context, id cms.CertID) (*x509.Certificate, crypto.PrivateKey, error) {
	var c *x509.Certificate
	var err error
	switch {
	case id.Issuer != nil:
		c, err = o.e.kr.CertByIssuerSerial(ctx, id.Issuer, id.Serial)
	case len(id.SubjectKeyID) > 0:
		c, err = o.e.kr.CertBySubjectKeyID(ctx, id.SubjectKeyID)
	}
	if err != nil {
		return nil, nil, &keyringError{err}
	}
	if c == nil || !id.Matches(c) {
		return nil, nil, nil
	}
	key, err := o.e.kr.PrivateKey(ctx, c)
	if err != nil {
		return nil, nil, &keyringError{err}
	}
	if key == nil {
		return nil, nil, nil
	}
	return c, key, nil
}

func recipientList(env *cms.Envelope) string {
	ids := make([]string, 0, len(env.Recipients))
	for _, r := range env.Recipients {
		ids = append(ids, r.ID.String())
	}
	return "addressed to " + strings.Join(ids, "; ")
}

// tooDeep records a layer beyond the limit as failed without opening it.
func (o *opener) tooDeep(k layerType, p map[string]string) {
	l := Layer{Kind: LayerSigned, State: string(SigMalformed), Reason: fmt.Sprintf("more than %d nested layers", maxDepth)}
	if k == mimeLayer && !strings.EqualFold(p["smime-type"], "signed-data") {
		l = Layer{Kind: LayerEnveloped, State: string(EncFailed), Reason: l.Reason}
	}
	if k != foreignLayer {
		o.res.Layers = append(o.res.Layers, l)
	}
}

// summarise derives the article's states from the layers.
func (o *opener) summarise() {
	r := o.res
	for i := range r.Layers {
		l := &r.Layers[i]
		switch l.Kind {
		case LayerSigned, LayerOpaqueSigned:
			st := SignatureState(l.State)
			if r.Signature == SigNone || st.Worse(r.Signature) {
				r.Signature = st
				r.Signer, r.Chain, r.Digest, r.SigningTime = nil, nil, "", time.Time{}
				if s := worstSigner(l.Signers); s != nil {
					r.Signer, r.Chain, r.Digest, r.SigningTime = s.Cert, s.Chain, s.Digest, s.SigningTime
				}
			}
		case LayerEnveloped, LayerAuthEnveloped:
			r.Encryption = EncryptionState(l.State)
			if r.Encryption == EncDecrypted {
				r.Recipient, r.Cipher, r.KeyTransport = l.Recipient, l.Cipher, l.KeyTransport
			}
		}
	}
}

func worstSigner(signers []Signer) *Signer {
	var w *Signer
	for i := range signers {
		if w == nil || signers[i].State.Worse(w.State) {
			w = &signers[i]
		}
	}
	return w
}

// displayEntity is the entity to show. Content without a header block (a
// bare text, as some senders encrypt it) is given one, so that Content is
// always a MIME entity.
func displayEntity(e *entity) []byte {
	if !e.headless {
		return e.raw
	}
	return append([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n"), e.raw...)
}

// skipMboxLine drops an mbox "From " separator line before the header.
func skipMboxLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

// fromAddresses returns every address of every From field, lower-cased.
// A signature must cover all of them: a second address in the field, or a
// second From field, is someone the signer did not vouch for, and mail
// programs may show that one instead.
func fromAddresses(values []string) []string {
	var out []string
	for _, v := range values {
		for _, a := range fieldAddresses(v) {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// fieldAddresses reads the addresses of one address field, lower-cased.
func fieldAddresses(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if a, ok := simpleAddress(v); ok {
		return []string{strings.ToLower(a)}
	}
	if l, err := mail.ParseAddressList(v); err == nil && len(l) > 0 {
		out := make([]string, len(l))
		for i, a := range l {
			out[i] = strings.ToLower(a.Address)
		}
		return out
	}
	// Unparsable: take what stands in angle brackets, else the word with @.
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return []string{strings.ToLower(strings.TrimSpace(v[i+1 : i+j]))}
		}
	}
	for _, w := range strings.Fields(v) {
		if strings.Contains(w, "@") {
			return []string{strings.ToLower(strings.Trim(w, "<>,;\"'"))}
		}
	}
	return nil
}

// parseDate reads a Date field: the usual form directly, any other through
// net/mail; zero when it cannot be read.
func parseDate(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC1123Z, v); err == nil {
		return t
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	return time.Time{}
}

// simpleAddress reads the two common forms of an address field without
// the full RFC 5322 parser: "local@domain" and "Display Name
// <local@domain>", with no quotes, comments, groups or lists. Anything else
// is not simple, and net/mail decides.
func simpleAddress(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, "\"(),;:\\") {
		return "", false
	}
	if strings.HasSuffix(v, ">") {
		i := strings.LastIndexByte(v, '<')
		if i < 0 || strings.ContainsAny(v[:i], "<>@") {
			return "", false
		}
		v = v[i+1 : len(v)-1]
	}
	at := strings.IndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, "<> \t") || strings.Count(v, "@") != 1 {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 || v[i] < ' ' {
			return "", false
		}
	}
	return v, true
}
