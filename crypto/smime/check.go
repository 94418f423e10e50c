package smime

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"siegel/crypto/certinfo"
	"siegel/message"
)

// RecipientCert is the encryption certificate chosen for one address.
type RecipientCert struct {
	Address string        `json:"address"`
	Cert    certinfo.Info `json:"cert"`
}

// Capabilities tell the composer what Seal can do for a message, with the
// certificates it would use (for the tooltips of the Encrypt and Sign
// buttons, DESIGN.md §3 "Outgoing").
type Capabilities struct {
	// CanSign: the sender has a currently valid signing certificate with
	// its private key; Signer is the one Seal signs with.
	CanSign bool           `json:"can_sign"`
	Signer  *certinfo.Info `json:"signer,omitempty"`

	// CanEncrypt: every recipient, and the sender (whose sent copy must
	// stay readable), has a currently valid encryption certificate.
	// Recipients holds the chosen certificate of each recipient that has
	// one, in the order given; Own is the sender's; Missing names every
	// address without one (the sender's included).
	CanEncrypt bool            `json:"can_encrypt"`
	Recipients []RecipientCert `json:"recipients,omitempty"`
	Own        *certinfo.Info  `json:"own,omitempty"`
	Missing    []string        `json:"missing,omitempty"`
	// Revoked names every address (the sender's included) whose only
	// usable certificate its CA revoked: Encrypt is unavailable for them
	// as for a missing certificate.
	Revoked []RevokedRecipient `json:"revoked,omitempty"`

	// Err is a failure of the store (a database error, a wrong
	// passphrase); the capabilities it concerns are false.
	Err error `json:"-"`
}

// Check reports whether a message from "from" to the recipients (To and
// Cc; bare addresses or "Name <addr>") can be signed and encrypted at time
// at, choosing the certificates exactly as Seal does.
func (e *Engine) Check(ctx context.Context, from string, recipients []string, at time.Time) Capabilities {
	var c Capabilities
	var sender string
	if a, err := message.ParseAddresses(from); err == nil && len(a) == 1 {
		sender = strings.ToLower(a[0].Address)
	}
	if s, err := e.signingKey(ctx, sender, at); err == nil {
		c.CanSign = true
		info := certinfo.Describe(s.cert)
		c.Signer = &info
	} else if !errors.Is(err, ErrNoSignerKey) {
		c.Err = err
	}

	addrs := make([]string, 0, len(recipients)+1)
	var unreadable []string
	for _, r := range recipients {
		l, err := message.ParseAddresses(r)
		if err != nil {
			// What does not parse cannot be encrypted to: it is missing.
			unreadable = append(unreadable, strings.TrimSpace(r))
			continue
		}
		for _, a := range l {
			addrs = append(addrs, strings.ToLower(a.Address))
		}
	}
	choice, err := e.encryptionCerts(ctx, append(addrs, sender), at, false)
	if err != nil {
		c.Err = errors.Join(c.Err, err)
		return c
	}
	for i, a := range choice.addrs {
		cert := choice.certs[i]
		if cert == nil {
			continue
		}
		info := certinfo.Describe(cert)
		if a == sender {
			c.Own = &info
		}
		if slices.Contains(addrs, a) {
			c.Recipients = append(c.Recipients, RecipientCert{Address: a, Cert: info})
		}
	}
	c.Missing = append(choice.missing, unreadable...)
	c.Revoked = choice.revoked
	c.CanEncrypt = len(addrs) > 0 && sender != "" && len(c.Missing) == 0 && len(c.Revoked) == 0
	return c
}
