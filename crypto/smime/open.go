package smime

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"siegel/crypto/cms"
	"siegel/message"
)

// opener holds the state of one Open call.
type opener struct {
	e   *Engine
	ctx context.Context
	env *message.Envelope // the outer header the signatures are judged against
	res *Result
	// at is when the message arrived: the time certificates must have been
	// valid at (OpenAt).
	at time.Time
	// reveal unwraps without verifying (Reveal).
	reveal bool
}

// Open analyses a received message (its raw RFC 5322 bytes) layer by layer
// and returns the security result and, apart from it, the content to
// display: the innermost entity reached, decrypted when the result says
// so. The result is plain data that may be stored; the content must not
// be (DESIGN.md §2). Open never fails and never panics: every problem
// becomes a state of the result with a reason in its layer.
//
// The flow (DESIGN.md §3):
//  1. Read the outer header into the Envelope (message.ReadEnvelope, the
//     reader every layer shows mail through): its Author and Date are what
//     signatures are checked against, and the result carries it, so that
//     what is shown beside a verdict is what was judged.
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
func (e *Engine) Open(ctx context.Context, raw []byte) (res *Result, content []byte) {
	return e.open(ctx, raw, time.Time{}, false)
}

// OpenAt is Open for a message that arrived at the time at — for mail from
// IMAP its INTERNALDATE, when the server received it. Certificates must
// have been valid then: the signing time and the Date header are written
// by whoever holds the key, so they only warn (a signing time after the
// arrival, or long before it), they never decide validity. A zero at
// means now, as for Open.
func (e *Engine) OpenAt(ctx context.Context, raw []byte, at time.Time) (res *Result, content []byte) {
	return e.open(ctx, raw, at, false)
}

// Reveal unwraps a message for display exactly as Open does (the same
// layers, the same keys, the same content) but verifies no signature: the
// verdict shown beside the content is the one Open gave, which the caller
// stored. The mail core's one verdict per article rests on this. It
// returns nil when a layer could not be decrypted, and never panics.
func (e *Engine) Reveal(ctx context.Context, raw []byte) []byte {
	res, content := e.open(ctx, raw, time.Time{}, true)
	if res.Encryption.Failed() {
		return nil
	}
	return content
}

func (e *Engine) open(ctx context.Context, raw []byte, at time.Time, reveal bool) (res *Result, content []byte) {
	res = &Result{Encryption: EncNone, Signature: SigNone, Analysed: e.now()}
	if at.IsZero() {
		at = res.Analysed
	}
	res.Arrived = at
	o := &opener{e: e, ctx: ctx, res: res, env: &res.Envelope, at: at, reveal: reveal}
	defer func() {
		// Fuzzing finds no panic, but a bug must cost one message its
		// verdict, never the processing of the others: the message is then
		// malformed, any envelope failed, and only the raw bytes are shown.
		if r := recover(); r != nil {
			*res = Result{Encryption: EncNone, Signature: SigMalformed, Analysed: res.Analysed, Layers: res.Layers, Envelope: res.Envelope}
			content = raw
			for _, l := range res.Layers {
				if l.Kind == LayerEnveloped || l.Kind == LayerAuthEnveloped {
					res.Encryption = EncFailed
				}
			}
			res.Layers = append(res.Layers, Layer{Kind: LayerSigned, State: string(SigMalformed),
				Reason: fmt.Sprintf("internal error: %v", r)})
		}
	}()

	top := message.ParseEntity(message.SkipMboxLine(raw))
	res.Envelope = message.EnvelopeOf(&top)

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
		cur = message.ParseEntity(next)
	}
	shown := &cur
	if !reveal {
		shown = o.protectedHeader(&cur)
		o.protectedSender()
	} else if mt, _ := cur.MediaType(); mt == "message/rfc822" {
		// Reveal shows what Open showed: the wrapped message itself.
		shown = o.protectedHeader(&cur)
		res.Protected = nil
	}
	o.summarise()
	return res, displayEntity(shown)
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
func classify(e *message.Entity) (layerType, map[string]string) {
	if e.Headless {
		return notLayer, nil
	}
	mt, p := e.MediaType()
	switch mt {
	case "multipart/signed":
		switch proto := strings.ToLower(p["protocol"]); proto {
		case "application/pkcs7-signature", "application/x-pkcs7-signature":
			return signedLayer, p
		case "":
			// No protocol: S/MIME when the second part is a pkcs7-signature.
			if parts, err := message.SplitMultipart(e.Body, p["boundary"]); err == nil && len(parts) >= 2 {
				sig := message.ParseEntity(parts[1])
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
		_, dp := e.Disposition()
		if strings.HasSuffix(strings.ToLower(p["name"]), ".p7m") || strings.HasSuffix(strings.ToLower(dp["filename"]), ".p7m") {
			return mimeLayer, p
		}
	}
	return notLayer, nil
}

func isSignatureType(e *message.Entity) bool {
	mt, _ := e.MediaType()
	return mt == "application/pkcs7-signature" || mt == "application/x-pkcs7-signature"
}

// unwrap handles one layer, records it, and returns the entity inside.
func (o *opener) unwrap(cur *message.Entity, k layerType, p map[string]string) ([]byte, bool) {
	switch k {
	case signedLayer:
		return o.unwrapSigned(cur, p)
	case mimeLayer:
		return o.unwrapMIME(cur, p)
	case foreignLayer:
		parts, err := message.SplitMultipart(cur.Body, p["boundary"])
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
func (o *opener) unwrapSigned(cur *message.Entity, p map[string]string) ([]byte, bool) {
	l := Layer{Kind: LayerSigned}
	defer func() { o.res.Layers = append(o.res.Layers, l) }()
	parts, err := message.SplitMultipart(cur.Body, p["boundary"])
	if err != nil {
		l.State, l.Reason = string(SigMalformed), err.Error()
		return nil, false
	}
	if len(parts) != 2 {
		// Anything beside the content and its signature is a part nobody
		// signed: the structure is broken, not the extra part dropped.
		l.State, l.Reason = string(SigMalformed), fmt.Sprintf("multipart/signed with %d part(s), want 2", len(parts))
		if len(parts) == 0 {
			return nil, false
		}
		return parts[0], true
	}
	sigPart := message.ParseEntity(parts[1])
	if !isSignatureType(&sigPart) {
		mt, _ := sigPart.MediaType()
		l.State, l.Reason = string(SigMalformed), "second part is "+mt+", not a pkcs7-signature"
		return parts[0], true
	}
	der, err := sigPart.DecodedBody(o.e.maxSize)
	if err != nil {
		l.State, l.Reason = string(SigMalformed), "signature part: "+err.Error()
		return parts[0], true
	}
	sd, err := cms.ParseSignedData(der)
	if err != nil {
		l.State, l.Reason = string(SigMalformed), err.Error()
		return parts[0], true
	}
	o.verifyLayer(&l, sd, message.Canonical(parts[0]))
	return parts[0], true
}

// unwrapMIME opens an application/pkcs7-mime layer. What it holds is
// decided by the CMS content type; the smime-type parameter only names the
// layer when the CMS cannot be read.
func (o *opener) unwrapMIME(cur *message.Entity, p map[string]string) ([]byte, bool) {
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
	der, err := cur.DecodedBody(o.e.maxSize)
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
				r.Signer, r.Chain, r.Digest, r.SigningTime, r.ExpiredSince, r.Revocation = nil, nil, "", time.Time{}, time.Time{}, nil
				if s := worstSigner(l.Signers); s != nil {
					r.Signer, r.Chain, r.Digest, r.SigningTime, r.ExpiredSince, r.Revocation = s.Cert, s.Chain, s.Digest, s.SigningTime, s.ExpiredSince, s.Revocation
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
func displayEntity(e *message.Entity) []byte {
	if !e.Headless {
		return e.Raw
	}
	return append([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\n"), e.Raw...)
}
