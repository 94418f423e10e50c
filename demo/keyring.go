package demo

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"math/big"
	"slices"
	"strings"
	"time"

	"siegel/crypto/smime"
)

// world is the keyring of everybody else's mail client: the customers and
// the helpdesk as they seal the seeded correspondence, with every key of
// the demo PKI and the demo CA as trust anchor. It lives in memory only
// and is never the helpdesk's store.
type world struct {
	ids     []*Identity
	anchors []*x509.Certificate
}

var _ smime.Keyring = (*world)(nil)

func newWorld(k *PKI) *world {
	return &world{
		ids:     []*Identity{k.Helpdesk, k.Anna, k.James, k.Priya, k.PriyaOld, k.Jonas, k.Max, k.News},
		anchors: []*x509.Certificate{k.CA.Cert},
	}
}

// engine returns an S/MIME engine over the world whose clock stands at t,
// so that a message dated t is signed at t.
func (w *world) engine(t time.Time) *smime.Engine {
	return smime.NewEngineWithOptions(w, smime.Options{Now: func() time.Time { return t }})
}

func (w *world) find(match func(*x509.Certificate) bool) *Identity {
	for _, id := range w.ids {
		if match(id.Cert) {
			return id
		}
	}
	return nil
}

func (w *world) CertByIssuerSerial(_ context.Context, issuer []byte, serial *big.Int) (*x509.Certificate, error) {
	id := w.find(func(c *x509.Certificate) bool {
		return bytes.Equal(c.RawIssuer, issuer) && c.SerialNumber.Cmp(serial) == 0
	})
	if id == nil {
		return nil, nil
	}
	return id.Cert, nil
}

func (w *world) CertBySubjectKeyID(_ context.Context, ski []byte) (*x509.Certificate, error) {
	id := w.find(func(c *x509.Certificate) bool { return len(ski) > 0 && bytes.Equal(c.SubjectKeyId, ski) })
	if id == nil {
		return nil, nil
	}
	return id.Cert, nil
}

func (w *world) PrivateKey(_ context.Context, cert *x509.Certificate) (crypto.PrivateKey, error) {
	id := w.find(cert.Equal)
	if id == nil {
		return nil, nil
	}
	return id.Key, nil
}

func (w *world) TrustAnchors(context.Context) ([]*x509.Certificate, error) { return w.anchors, nil }

func (w *world) IsStored(_ context.Context, cert *x509.Certificate) (bool, error) {
	return w.find(cert.Equal) != nil, nil
}

func (w *world) CertsForAddress(_ context.Context, addr string, t time.Time) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, id := range w.ids {
		c := id.Cert
		if strings.EqualFold(id.Email, addr) && !t.Before(c.NotBefore) && !t.After(c.NotAfter) {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, func(a, b *x509.Certificate) int { return b.NotBefore.Compare(a.NotBefore) })
	return out, nil
}

func (w *world) Generation() uint64 { return 1 }
