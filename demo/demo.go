package demo

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"golang.org/x/crypto/ocsp"

	"siegel/certs"
	"siegel/crypto/vault"
	"siegel/mail"
	"siegel/mail/account"
	"siegel/mail/loopback"
	"siegel/profile"
	"siegel/wiring"
)

// Passphrase is the demo profile's passphrase, and that of the PKCS#12
// files in the demo folder. It is public: the demo holds nothing secret,
// and no prompt ever appears.
const Passphrase = "siegel-demo"

// vaultCost is the Argon2id work factor of the demo profile. Its
// passphrase is public, so a slow key derivation would protect nothing and
// only delay the start.
var vaultCost = vault.Cost{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

// DefaultReplyDelay is how long a demo customer takes to thank the
// helpdesk for an answer.
const DefaultReplyDelay = 3 * time.Second

// Options tune Start. The zero value is right for the application.
type Options struct {
	// ReplyDelay is how long a customer takes to answer a message from
	// the helpdesk (default DefaultReplyDelay); a negative value turns
	// the customers' answers off.
	ReplyDelay time.Duration
	// Desk tunes the mail core (nil: the application's defaults). Its
	// TicketStart decides the numbers of the seeded tickets.
	Desk *mail.Options
	// OnError receives the failures of the customers' answers, which run
	// in the background (nil: they are dropped).
	OnError func(error)
}

// Demo is a running demo mailbox: a demo profile with its certificate
// store, S/MIME engine and mail desk, connected to an IMAP and an SMTP
// server inside this process.
type Demo struct {
	// Dir is the demo folder, the profile's folder (absolute).
	Dir string
	// Parts are the profile, store, engine and desk, wired exactly as for
	// a real profile. The desk is not started: call Desk.Start as with a
	// real profile, so the customers' answers arrive by themselves.
	*wiring.Parts
	// AccountID is the demo account, HelpdeskAddress.
	AccountID int64
	// IMAPAddr and SMTPAddr are the servers' loopback addresses
	// (host:port).
	IMAPAddr, SMTPAddr string
	// PKI is the demo's certificates with their private keys.
	PKI *PKI
	// Tickets are the seeded tickets' numbers by their subjects.
	Tickets map[string]int64

	imap      *loopback.IMAP
	smtp      *loopback.SMTP
	responder *responder
	ocsp      *ocspResponder
	closeOnce sync.Once
	closeErr  error
}

// DefaultDir is the default demo folder, in os.UserCacheDir() since the
// next start wipes it: ~/.cache/siegel-demo on Linux,
// %LOCALAPPDATA%\Siegel\Demo on Windows (local, not roaming: it must not
// follow the agent to other computers). It is not the real profile's
// folder (profile.DefaultDir), so the demo never touches the user's data.
func DefaultDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return filepath.Join(dir, folderName(runtime.GOOS)), nil
}

// folderName is the demo folder's path inside the cache folder on goos.
func folderName(goos string) string {
	if goos == "windows" {
		return filepath.Join(profile.FolderName(goos), "Demo")
	}
	return "siegel-demo"
}

// Start makes and opens the demo mailbox in dir:
//
//  1. dir is wiped and made anew; a folder with files that the demo did
//     not make is refused with ErrNotDemoFolder.
//  2. The demo PKI is generated (pki.go) while the profile opens with
//     Passphrase, and its certificate store, engine and desk are made.
//  3. The store gets the demo CA, the helpdesk's identity with its key,
//     and the certificates of Anna and Priya; the folder gets the files
//     named by CAFile, MissingCertFile, KeysDir and ReceivedDir.
//  4. An IMAP and an SMTP server start on 127.0.0.1 with random ports, and
//     the correspondence (correspondence.go) is stored in their INBOX and
//     Sent folders, sealed by the real S/MIME engine and, where it is
//     meant to fail, broken by hand (forge.go).
//  5. The demo account, HelpdeskAddress, is added to the desk, one sync
//     pass fills the tickets, and the tickets that are done are marked
//     read or closed.
//
// Close stops it all; the folder stays until the next Start.
func Start(ctx context.Context, dir string, opts *Options) (_ *Demo, err error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ReplyDelay == 0 {
		o.ReplyDelay = DefaultReplyDelay
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := prepareFolder(dir); err != nil {
		return nil, err
	}
	now := time.Now()
	d := &Demo{Dir: dir}
	// The OCSP responder listens first: the certificates name it.
	if d.ocsp, err = startOCSP(); err != nil {
		return nil, fmt.Errorf("demo: OCSP responder: %w", err)
	}
	type pkiResult struct {
		pki *PKI
		err error
	}
	pkiDone := make(chan pkiResult, 1)
	go func() {
		k, err := newPKI(now, d.ocsp.URL())
		pkiDone <- pkiResult{k, err}
	}()
	var pki *pkiResult
	waitPKI := func() pkiResult {
		if pki == nil {
			r := <-pkiDone
			pki = &r
		}
		return *pki
	}

	defer func() {
		if err != nil {
			waitPKI() // leave no goroutine behind
			d.Close()
		}
	}()
	ask := func(context.Context, bool) ([]byte, error) { return []byte(Passphrase), nil }
	// Revocation answers are awaited: the demo's responder is on loopback,
	// and every start shows the same verdicts at once.
	if d.Parts, err = wiring.Open(ctx, dir, wiring.Options{
		Passphrase: ask, Profile: &profile.Options{Cost: vaultCost}, Desk: o.Desk, RevocationWait: true,
	}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}

	r := waitPKI()
	if r.err != nil {
		return nil, r.err
	}
	d.PKI = r.pki
	d.ocsp.answer(d.PKI.CA, map[*x509.Certificate]revocationEntry{d.PKI.Lena.Cert: {at: d.PKI.LenaRevoked, reason: ocsp.KeyCompromise}})
	first := int64(10000)
	if o.Desk != nil && o.Desk.TicketStart > 0 {
		first = o.Desk.TicketStart
	}
	s := &seeder{now: now, pki: d.PKI, world: newWorld(d.PKI), first: first}

	// The store's first key seals with the vault, the mailbox is signed and
	// encrypted, the files are written: independent work, done side by side.
	var msgs []seeded
	var seedErr, filesErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		msgs, d.Tickets, seedErr = s.messages(ctx, correspondence)
	}()
	go func() {
		defer wg.Done()
		filesErr = writeFiles(dir, d.PKI)
	}()
	_, storeErr := d.Store.Add(ctx, &certs.Bundle{
		Name:  "demo",
		Certs: []*x509.Certificate{d.PKI.Helpdesk.Cert, d.PKI.Anna.Cert, d.PKI.Priya.Cert, d.PKI.CA.Cert},
		Keys:  []crypto.Signer{d.PKI.Helpdesk.Key},
	})
	wg.Wait()
	if err := errors.Join(seedErr, filesErr, storeErr); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}

	password := randomPassword()
	if d.imap, err = loopback.StartIMAP(loopback.IMAPOptions{Username: HelpdeskAddress, Password: password}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	d.IMAPAddr = d.imap.Addr()
	for _, m := range msgs {
		var flags []imap.Flag
		if m.seen {
			flags = append(flags, imap.FlagSeen)
		}
		if err := d.imap.Deliver(m.mailbox, m.raw, m.date, flags...); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	d.responder = newResponder(o.ReplyDelay, s, d.imap, o.OnError)
	if d.smtp, err = startSMTP(filepath.Join(dir, ReceivedDir), HelpdeskAddress, password, d.responder.accept); err != nil {
		return nil, err
	}
	d.SMTPAddr = d.smtp.Addr()

	acct := account.Account{Address: HelpdeskAddress, Name: HelpdeskName}
	if acct.IMAP, err = server(d.IMAPAddr, password); err != nil {
		return nil, err
	}
	if acct.SMTP, err = server(d.SMTPAddr, password); err != nil {
		return nil, err
	}
	if d.AccountID, err = d.Desk.AddAccount(ctx, acct); err != nil {
		return nil, fmt.Errorf("demo: account: %w", err)
	}
	if err := d.settle(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// settle syncs the seeded mailbox into tickets and marks the tickets the
// agent has dealt with as read, and closed.
func (d *Demo) settle(ctx context.Context) error {
	if _, err := d.Desk.Sync(ctx); err != nil {
		return fmt.Errorf("demo: first sync: %w", err)
	}
	for _, t := range correspondence {
		if !t.read && !t.closed && !t.pending {
			continue
		}
		tk, err := d.Desk.TicketByNumber(ctx, d.Tickets[t.subject])
		if err != nil {
			return fmt.Errorf("demo: ticket %q: %w", t.subject, err)
		}
		if t.read {
			if err := d.Desk.MarkTicketRead(ctx, tk.ID); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
		state := map[bool]mail.TicketState{true: mail.TicketClosed, false: mail.TicketPending}[t.closed]
		if t.closed || t.pending {
			if err := d.Desk.SetTicketState(ctx, tk.ID, state); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
	}
	return nil
}

// server is the account's setting for a demo server: plain, on loopback.
func server(addr, password string) (account.Server, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return account.Server{}, fmt.Errorf("demo: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return account.Server{}, fmt.Errorf("demo: port of %s: %w", addr, err)
	}
	return account.Server{Host: host, Port: port, Security: account.Plain, User: HelpdeskAddress, Password: password}, nil
}

// randomPassword is the servers' password for this run: nobody else on
// the computer can read the demo mailbox while it runs.
func randomPassword() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Path returns the absolute name of a file in the demo folder, such as
// d.Path(CAFile).
func (d *Demo) Path(rel string) string { return filepath.Join(d.Dir, filepath.FromSlash(rel)) }

// Close stops the customers' answers, the desk's background work, the
// servers, and closes the profile. It is safe to call more than once.
func (d *Demo) Close() error {
	d.closeOnce.Do(func() {
		var errs []error
		if d.responder != nil {
			d.responder.close()
		}
		if d.Parts != nil {
			errs = append(errs, d.Desk.Close()) // before its servers go
		}
		if d.smtp != nil {
			errs = append(errs, d.smtp.Close())
		}
		if d.imap != nil {
			errs = append(errs, d.imap.Close())
		}
		if d.Parts != nil {
			errs = append(errs, d.Parts.Close())
		}
		if d.ocsp != nil {
			errs = append(errs, d.ocsp.close())
		}
		d.closeErr = errors.Join(errs...)
	})
	return d.closeErr
}
