package wiring

import (
	"context"
	"fmt"

	"siegel/certs"
	"siegel/certs/revocation"
	"siegel/crypto/smime"
	"siegel/mail"
	"siegel/profile"
)

// The profile settings of revocation checking (Settings → Security).
const (
	// SettingRevocationOnline is "off" when the agent turned online
	// checks off for privacy: then only imported CRLs count.
	SettingRevocationOnline = "revocation.online"
	// SettingRevocationStrict is "on" when an unknown revocation status
	// makes a signature fail.
	SettingRevocationStrict = "revocation.strict"
)

// Revocations is the administrator's side of revocation checking, over
// the checker, the store and the engine together: importing a CRL (its
// issuer found in the store), the status of a stored certificate, and the
// two settings, which take effect at once.
type Revocations struct {
	checker *revocation.Checker
	store   *certs.Store
	engine  *smime.Engine
	prof    *profile.Profile
	desk    *mail.Desk // nil without a desk
	// offline is the command line's --offline: online checks stay off
	// whatever the setting says.
	offline bool
}

// ImportCRL stores a CRL file (PEM or DER) whose issuer is a stored CA
// certificate; errors are those of revocation.Checker.ImportCRL.
func (r *Revocations) ImportCRL(ctx context.Context, data []byte) (revocation.CRLInfo, error) {
	return r.checker.ImportCRL(ctx, data, r.store.CAsBySubject)
}

// CRLs lists the stored CRLs, imported and fetched.
func (r *Revocations) CRLs(ctx context.Context) ([]revocation.CRLInfo, error) {
	return r.checker.CRLs(ctx)
}

// Status is what is known about the revocation of the stored certificate
// with this fingerprint, without asking the CA: status, source and when
// it was checked, for the certificate list. A CA certificate the store
// trusts as an anchor, and a certificate whose issuer is not stored, are
// not checked.
func (r *Revocations) Status(ctx context.Context, fingerprint string) (smime.Revocation, error) {
	e, err := r.store.Get(ctx, fingerprint)
	if err != nil {
		return smime.Revocation{}, err
	}
	issuer, err := r.store.Issuer(ctx, e.Cert)
	if err != nil {
		return smime.Revocation{}, err
	}
	if issuer == nil {
		return smime.Revocation{Status: smime.RevNotChecked, Reason: "the issuing CA certificate is not in the store"}, nil
	}
	return r.checker.Known(ctx, e.Cert, issuer), nil
}

// Online reports whether online revocation checks are on (the default).
func (r *Revocations) Online(ctx context.Context) (bool, error) {
	v, err := r.prof.Setting(ctx, SettingRevocationOnline, "on")
	return v != "off", err
}

// SetOnline turns online revocation checks on or off and applies it.
func (r *Revocations) SetOnline(ctx context.Context, on bool) error {
	if err := r.prof.SetSetting(ctx, SettingRevocationOnline, onOff(on)); err != nil {
		return err
	}
	r.checker.SetOffline(!on || r.offline)
	return nil
}

// Strict reports whether an unknown revocation status fails a signature.
func (r *Revocations) Strict(ctx context.Context) (bool, error) {
	v, err := r.prof.Setting(ctx, SettingRevocationStrict, "off")
	return v == "on", err
}

// SetStrict sets whether an unknown revocation status fails a signature,
// and applies it: the desk makes the verdicts again in the background.
func (r *Revocations) SetStrict(ctx context.Context, strict bool) error {
	if err := r.prof.SetSetting(ctx, SettingRevocationStrict, onOff(strict)); err != nil {
		return err
	}
	r.engine.SetRevocationStrict(strict)
	if r.desk != nil {
		r.desk.RecheckRevocations()
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// openRevocation opens the checker with the profile's settings.
func openRevocation(ctx context.Context, p *Parts, o Options) (*revocation.Checker, bool, error) {
	online, err := p.Profile.Setting(ctx, SettingRevocationOnline, "on")
	if err != nil {
		return nil, false, err
	}
	strict, err := p.Profile.Setting(ctx, SettingRevocationStrict, "off")
	if err != nil {
		return nil, false, err
	}
	ro := revocation.Options{Offline: online == "off" || o.Offline, Wait: o.RevocationWait, Log: p.Log}
	if o.Revocation != nil {
		ro.Client, ro.Now, ro.RetryInterval = o.Revocation.Client, o.Revocation.Now, o.Revocation.RetryInterval
	}
	c, err := revocation.New(ctx, p.Profile, &ro)
	if err != nil {
		return nil, false, fmt.Errorf("revocation checker: %w", err)
	}
	return c, strict == "on", nil
}
