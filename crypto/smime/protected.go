package smime

import (
	"fmt"
	"slices"
	"strings"

	"siegel/message"
)

// Protected is the copy of the header a sender put inside the
// cryptographic payload (RFC 9788 header protection), where a signature
// covers it and encryption hides it — unlike the outer header, which
// anyone on the way can change.
type Protected struct {
	// Mode is "clear" (hp="clear": signed, the outer header left as it
	// was), "cipher" (hp="cipher": encrypted, the outer header may be
	// obscured) or "wrapped" (the legacy form: the whole message inside as
	// message/rfc822).
	Mode string `json:"mode"`
	// Envelope is the protected header.
	Envelope message.Envelope `json:"envelope"`
	// Signed reports that a signature layer covers it. Only then may it be
	// shown beside a valid verdict.
	Signed bool `json:"signed"`
	// Differs names the header fields whose outer value differs from the
	// protected one (Subject, From, To, Cc, Date), besides those the sender
	// obscured on purpose.
	Differs []string `json:"differs,omitempty"`
	// Obscured names the fields the sender replaced outside on purpose
	// (hp="cipher" with an HP-Outer field saying what it put outside, such
	// as "Subject: [...]").
	Obscured []string `json:"obscured,omitempty"`
}

// maxWrapped bounds the legacy wrapped message that is unwrapped.
const maxWrapped = DefaultMaxSize

// protectedHeader finds the protected header in the innermost entity of a
// message with S/MIME layers, and returns the entity to show: the wrapped
// message itself for the legacy form, else cur.
func (o *opener) protectedHeader(cur *message.Entity) *message.Entity {
	if len(o.res.Layers) == 0 || cur.Headless || o.res.Encryption.Failed() {
		return cur
	}
	mt, params := cur.MediaType()
	p := &Protected{}
	shown := cur
	switch hp := strings.ToLower(params["hp"]); {
	case hp == "clear" || hp == "cipher":
		p.Mode, p.Envelope = hp, message.EnvelopeOf(cur)
	case mt == "message/rfc822":
		body, err := cur.DecodedBody(maxWrapped)
		if err != nil {
			return cur
		}
		inner := message.ParseEntity(body)
		env := message.EnvelopeOf(&inner)
		if inner.Headless || len(env.From) == 0 && env.Subject == "" {
			return cur // not a message: an attachment as it stands
		}
		p.Mode, p.Envelope, shown = "wrapped", env, &inner
	default:
		return cur
	}
	for _, l := range o.res.Layers {
		if l.Kind == LayerSigned || l.Kind == LayerOpaqueSigned {
			p.Signed = true
		}
	}
	outerNow := hpOuter(cur)
	for _, f := range []struct {
		name         string
		outer, inner string
	}{
		{"Subject", o.env.Subject, p.Envelope.Subject},
		{"From", addrList(o.env.From), addrList(p.Envelope.From)},
		{"To", addrList(o.env.To), addrList(p.Envelope.To)},
		{"Cc", addrList(o.env.Cc), addrList(p.Envelope.Cc)},
		{"Date", dateText(o.env), dateText(&p.Envelope)},
	} {
		if f.outer == f.inner || f.inner == "" && f.name != "Subject" {
			continue
		}
		if v, ok := outerNow[strings.ToLower(f.name)]; ok && p.Mode == "cipher" && v == rawOuter(o, f.name) {
			p.Obscured = append(p.Obscured, f.name)
			continue
		}
		p.Differs = append(p.Differs, f.name)
	}
	o.res.Protected = p
	return shown
}

// protectedSender holds a signature to the protected From: a message
// whose signed header names another author than its outer one claims two
// senders, and the signature vouches for neither.
func (o *opener) protectedSender() {
	p := o.res.Protected
	if p == nil || !p.Signed || len(p.Envelope.From) == 0 {
		return
	}
	reason := ""
	switch {
	case p.Envelope.FromProblem != "":
		reason = "the From inside the signature: " + p.Envelope.FromProblem
	case !strings.EqualFold(p.Envelope.Author.Address, o.env.Author.Address):
		reason = fmt.Sprintf("the From inside the signature (%s) differs from the From outside (%s)",
			orNone(p.Envelope.Author.Address), orNone(o.env.Author.Address))
	default:
		return
	}
	for i := range o.res.Layers {
		l := &o.res.Layers[i]
		if l.Kind != LayerSigned && l.Kind != LayerOpaqueSigned {
			continue
		}
		for j := range l.Signers {
			s := &l.Signers[j]
			if SigSenderMismatch.Worse(s.State) {
				s.State = SigSenderMismatch
			}
			s.Reason = strings.TrimPrefix(s.Reason+"; "+reason, "; ")
		}
		if SigSenderMismatch.Worse(SignatureState(l.State)) {
			l.State = string(SigSenderMismatch)
		}
		l.Reason = strings.TrimPrefix(l.Reason+"; "+reason, "; ")
	}
}

// hpOuter reads the HP-Outer fields of a protected header: what the
// sender put in the outer header, by lower-case field name.
func hpOuter(e *message.Entity) map[string]string {
	out := map[string]string{}
	for _, f := range e.Fields {
		if !f.Is("HP-Outer") {
			continue
		}
		name, value, ok := strings.Cut(f.Value(), ":")
		if ok {
			out[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(value)
		}
	}
	return out
}

// rawOuter is the outer header's value of a field as it stands, for the
// comparison with HP-Outer.
func rawOuter(o *opener, name string) string {
	switch name {
	case "Subject":
		return o.env.Subject
	}
	return ""
}

func addrList(l []message.Address) string {
	s := make([]string, len(l))
	for i, a := range l {
		s[i] = strings.ToLower(a.Address)
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func dateText(env *message.Envelope) string {
	if env.Date.IsZero() {
		return ""
	}
	return env.Date.UTC().String()
}

// Header is the header to show with the result: the protected copy's
// Subject, To, Cc, Reply-To and Date where the message has one, else the
// outer header. From stays the outer one, the one the signature was
// judged against (a protected From that differs from it makes the
// signature a sender mismatch, and the reason names both); the
// identifiers (Message-ID, In-Reply-To, References) stay the outer ones
// too: they are what threading matches.
func (r *Result) Header() *message.Envelope {
	env := r.Envelope
	p := r.Protected
	if p == nil {
		return &env
	}
	pe := &p.Envelope
	if pe.Subject != "" || p.Mode != "wrapped" {
		env.Subject = pe.Subject
	}
	if len(pe.To) > 0 || len(pe.Cc) > 0 {
		env.To, env.Cc = pe.To, pe.Cc
	}
	if len(pe.ReplyTo) > 0 {
		env.ReplyTo = pe.ReplyTo
	}
	if !pe.Date.IsZero() {
		env.Date = pe.Date
	}
	return &env
}
