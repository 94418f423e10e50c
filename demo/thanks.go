package demo

import (
	"context"
	"crypto/x509"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"siegel/crypto/cms"
	"siegel/crypto/smime"
	"siegel/mail/loopback"
	"siegel/message"
)

// responder plays the customers: a few seconds after an answer of the
// helpdesk reaches the demo SMTP server, every customer it is addressed to
// says thank you, into the demo INBOX, so the agent sees mail arrive.
// Customers with a certificate sign their thanks and encrypt it to the
// helpdesk, as their mail clients do; Jonas's client, as in his first
// message, leaves its certificate out.
type responder struct {
	delay   time.Duration
	seeder  *seeder
	imap    *loopback.IMAP
	onError func(error)

	ctx    context.Context
	cancel context.CancelFunc
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newResponder(delay time.Duration, s *seeder, imap *loopback.IMAP, onError func(error)) *responder {
	ctx, cancel := context.WithCancel(context.Background())
	return &responder{delay: delay, seeder: s, imap: imap, onError: onError, ctx: ctx, cancel: cancel}
}

// accept is the SMTP server's hook for every message it stored.
func (r *responder) accept(from string, to []string, data []byte) {
	if r.delay < 0 || !strings.EqualFold(from, HelpdeskAddress) {
		return
	}
	// The customer's mail program decrypts it: the Subject of encrypted
	// mail travels inside (RFC 9788), outside it reads "[...]".
	res, _ := r.seeder.world.engine(time.Now()).Open(r.ctx, data)
	env := res.Header()
	subject, msgID := env.Subject, env.MessageID
	refs := slices.Clone(env.References)
	if msgID != "" {
		refs = append(refs, msgID)
	}
	seen := map[*person]bool{}
	for _, addr := range to {
		if p := personByAddress(addr); p != nil && !seen[p] {
			seen[p] = true
			r.schedule(p, subject, msgID, refs)
		}
	}
}

func (r *responder) schedule(p *person, subject, inReplyTo string, refs []string) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		t := time.NewTimer(r.delay)
		defer t.Stop()
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		// IMAP dates have whole seconds: the next full second keeps the
		// thanks after the answer it thanks for.
		now := time.Now().Truncate(time.Second).Add(time.Second)
		t.Reset(time.Until(now))
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		raw, err := r.thanks(p, subject, inReplyTo, refs, now)
		if err == nil {
			err = r.imap.Deliver("INBOX", raw, now)
		}
		if err != nil && r.onError != nil && r.ctx.Err() == nil {
			r.onError(fmt.Errorf("demo: %s's answer: %w", p.name, err))
		}
	}()
}

// close cancels the pending answers and waits for the running ones.
func (r *responder) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|aw)\s*:\s*`)

// thanks builds p's answer to the helpdesk's message.
func (r *responder) thanks(p *person, subject, inReplyTo string, refs []string, now time.Time) ([]byte, error) {
	prefix, text := "RE: ", "Hello,\n\nthank you for the quick answer – that settles it.\n\nKind regards,\n"+p.name
	if p.lang == "de" {
		prefix, text = "AW: ", "Guten Tag,\n\nvielen Dank für Ihre schnelle Antwort – damit ist alles geklärt.\n\nMit freundlichen Grüßen\n"+p.name
	}
	raw, err := message.Build(message.Draft{
		From: p.address(), To: []string{helpdesk.address()},
		Subject: prefix + replyPrefix.ReplaceAllString(subject, ""), Text: text,
		InReplyTo: inReplyTo, References: refs, Date: now,
	})
	if err != nil {
		return nil, err
	}
	id := r.seeder.pki.identity(p)
	switch {
	case id == nil:
		return raw, nil
	case p == jonas:
		return r.seeder.encrypted(raw, id, now, []*x509.Certificate{r.seeder.pki.Helpdesk.Cert, id.Cert}, cms.AES256CBC, stripCertificates, nil)
	default:
		return r.seeder.world.engine(now).Seal(r.ctx, raw, smime.SealOptions{Sign: true, Encrypt: true})
	}
}
