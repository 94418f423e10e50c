package demo

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"siegel/crypto/cms"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/message"
)

// seeded is one message of the demo mailbox, ready for the IMAP server.
type seeded struct {
	mailbox string // "INBOX" or "Sent"
	date    time.Time
	raw     []byte
	seen    bool
}

// seeder builds the demo mailbox from the correspondence.
type seeder struct {
	now   time.Time
	pki   *PKI
	world *world
	// first is the number the desk gives its first ticket.
	first int64
}

// messages builds every message of the correspondence in date order, and
// the tickets' numbers by subject. The desk numbers tickets in the order
// their first messages arrive in INBOX, so the numbers the follow-ups
// carry in their subjects are known in advance.
func (s *seeder) messages(ctx context.Context, tickets []ticket) ([]seeded, map[string]int64, error) {
	order := slices.Clone(tickets)
	slices.SortStableFunc(order, func(a, b ticket) int {
		return a.articles[0].when.at(s.now).Compare(b.articles[0].when.at(s.now))
	})
	numbers := map[string]int64{}
	for i, t := range order {
		numbers[t.subject] = s.first + int64(i)
	}
	var out []seeded
	for _, t := range tickets {
		var ids []string
		for i, a := range t.articles {
			if i == 0 && a.from == helpdesk {
				return nil, nil, fmt.Errorf("demo: ticket %q starts with an answer", t.key)
			}
			date := a.when.at(s.now)
			d := message.Draft{
				From:      a.from.address(),
				Subject:   subject(t, i, a.from, numbers[t.subject]),
				Text:      a.text,
				MessageID: fmt.Sprintf("%s.%d.demo@%s", t.key, i+1, a.from.domain()),
				Date:      date,
			}
			mailbox := "INBOX"
			if a.from == helpdesk {
				d.To, mailbox = []string{t.customer.address()}, "Sent"
			} else {
				d.To = []string{helpdesk.address()}
			}
			if len(ids) > 0 {
				d.InReplyTo, d.References = ids[len(ids)-1], slices.Clone(ids)
			}
			ids = append(ids, d.MessageID)
			raw, err := message.Build(d)
			if err == nil && a.html != nil {
				raw, err = withHTML(raw, a.html)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("demo: ticket %q: %w", t.key, err)
			}
			if raw, err = s.protect(ctx, raw, a, date); err != nil {
				return nil, nil, fmt.Errorf("demo: ticket %q, message %d: %w", t.key, i+1, err)
			}
			out = append(out, seeded{mailbox: mailbox, date: date, raw: raw, seen: t.read || mailbox == "Sent"})
		}
	}
	slices.SortStableFunc(out, func(a, b seeded) int { return a.date.Compare(b.date) })
	return out, numbers, nil
}

// subject is the subject of article i of t: the customer's own for the
// first message, "Re: [Ticket#N] …" for our answers, and the reply prefix
// of the customer's mail client for their follow-ups.
func subject(t ticket, i int, from *person, number int64) string {
	switch {
	case i == 0:
		return t.subject
	case from == helpdesk:
		return mail.ReplySubject(number, t.subject)
	case from.lang == "de":
		return "AW: " + mail.FormatTag(number) + " " + t.subject
	default:
		return "RE: " + mail.FormatTag(number) + " " + t.subject
	}
}

// protect secures a message built by compose as a says. The messages that
// come out right are sealed by the S/MIME engine itself, over the world's
// keyring with the clock at the message's date; the broken ones are made
// by hand (forge.go).
func (s *seeder) protect(ctx context.Context, raw []byte, a article, date time.Time) ([]byte, error) {
	engine := s.world.engine(date)
	id := s.pki.identity(a.from)
	switch a.how {
	case plain:
		return raw, nil
	case signed, selfSigned:
		return engine.Seal(ctx, raw, smime.SealOptions{Sign: true})
	case sealed:
		return engine.Seal(ctx, raw, smime.SealOptions{Sign: true, Encrypt: true})
	case tampered:
		out, err := engine.Seal(ctx, raw, smime.SealOptions{Sign: true})
		if err != nil {
			return nil, err
		}
		if bytes.Count(out, []byte(a.tamper[0])) != 1 {
			return nil, fmt.Errorf("the text to change, %q, is not in the signed message once", a.tamper[0])
		}
		return bytes.Replace(out, []byte(a.tamper[0]), []byte(a.tamper[1]), 1), nil
	case unknownCert:
		return s.signed(raw, id, date, stripCertificates)
	case otherSigner:
		return s.signed(raw, s.pki.identity(a.signer), date, nil)
	case expiredCert:
		return s.signed(raw, s.pki.PriyaOld, date, nil)
	case revokedCert:
		return s.signed(raw, id, date, nil)
	case clockSkew:
		return s.signed(raw, id, date.Add(-3*time.Hour), nil)
	case brokenSig:
		return s.signed(raw, s.pki.identity(a.signer), date, func(sig []byte) ([]byte, error) { return sig[:len(sig)/2], nil })
	case sha1Digest:
		outer, entity, err := splitMessage(raw)
		if err != nil {
			return nil, err
		}
		sig, err := signSHA1(entity, id, s.chain(id))
		if err != nil {
			return nil, err
		}
		return joinMessage(outer, multipartSigned(entity, sig, "sha1")), nil
	case oldKey:
		return s.encrypted(raw, id, date, []*x509.Certificate{s.pki.HelpdeskOld.Cert, id.Cert}, cms.AES256CBC, nil, nil)
	case damaged:
		return s.encrypted(raw, id, date, []*x509.Certificate{s.pki.Helpdesk.Cert, id.Cert}, cms.AES256GCM, nil, func(der []byte) {
			der[len(der)-1] ^= 0x55 // the last byte belongs to the GCM tag
		})
	}
	return nil, fmt.Errorf("unknown protection %d", a.how)
}

// chain is what a signer sends along with its certificate: the demo CA,
// unless the certificate is its own issuer.
func (s *seeder) chain(id *Identity) []*x509.Certificate {
	if bytes.Equal(id.Cert.RawIssuer, id.Cert.RawSubject) {
		return nil
	}
	return []*x509.Certificate{s.pki.CA.Cert}
}

// signedEntity signs raw's entity as id at signingTime with package cms;
// change, if set, alters the signature afterwards.
func (s *seeder) signedEntity(raw []byte, id *Identity, signingTime time.Time, change func([]byte) ([]byte, error)) (outer, entity []byte, err error) {
	outer, entity, err = splitMessage(raw)
	if err != nil {
		return nil, nil, err
	}
	sig, err := cms.SignDetached(entity, id.Cert, id.Key, s.chain(id), &cms.SignOptions{SigningTime: signingTime})
	if err != nil {
		return nil, nil, err
	}
	if change != nil {
		if sig, err = change(sig); err != nil {
			return nil, nil, err
		}
	}
	return outer, multipartSigned(entity, sig, "sha-256"), nil
}

func (s *seeder) signed(raw []byte, id *Identity, signingTime time.Time, change func([]byte) ([]byte, error)) ([]byte, error) {
	outer, entity, err := s.signedEntity(raw, id, signingTime, change)
	if err != nil {
		return nil, err
	}
	return joinMessage(outer, entity), nil
}

// encrypted signs raw as id (change, if set, alters the signature) and
// encrypts it to the recipients; damage, if set, alters the encrypted CMS
// structure.
func (s *seeder) encrypted(raw []byte, id *Identity, date time.Time, to []*x509.Certificate, c cms.Cipher,
	change func([]byte) ([]byte, error), damage func([]byte)) ([]byte, error) {
	outer, entity, err := s.signedEntity(raw, id, date, change)
	if err != nil {
		return nil, err
	}
	der, err := cms.Encrypt(entity, to, &cms.EncryptOptions{Cipher: c})
	if err != nil {
		return nil, err
	}
	if damage != nil {
		damage(der)
	}
	return joinMessage(outer, pkcs7Mime(der, c == cms.AES256GCM)), nil
}
