package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"siegel/assets"
	"siegel/crypto/smime"
	"siegel/message"
)

// runSeal is `siegel seal [--sign] [--encrypt] [--cipher C] [--oaep] --from
// ADDR --to ADDR[,ADDR…] [--cc …] [--subject S] [--attach FILE…] < BODY >
// OUT.eml`: the body from standard input becomes a message built with
// message.Build and protected with smime.Engine.Seal, the two steps of Send.
// Files after the flags are attachments as well. Exit status 0 on success,
// 1 when the message cannot be built or sealed (nothing is written then),
// 2 for a usage error.
func runSeal(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("seal", &env)
	sign := fs.Bool("sign", false, "sign with the sender's certificate")
	encrypt := fs.Bool("encrypt", false, "encrypt to every recipient and the sender")
	cipher := fs.String("cipher", "aes256-cbc", "content cipher: aes256-cbc or aes256-gcm")
	oaep := fs.Bool("oaep", false, "RSA-OAEP key transport instead of PKCS#1 v1.5")
	from := fs.String("from", "", "sender address")
	subject := fs.String("subject", "", "subject")
	var to, cc, attach listFlag
	fs.Var(&to, "to", "recipient addresses, comma-separated (repeatable)")
	fs.Var(&cc, "cc", "copy addresses, comma-separated (repeatable)")
	fs.Var(&attach, "attach", "file to attach (repeatable; files after the flags are attached too)")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: siegel seal [--sign] [--encrypt] [--cipher aes256-cbc|aes256-gcm] [--oaep] --from ADDR --to ADDR[,ADDR…] [--cc …] [--subject S] [--attach FILE…] < BODY > OUT.eml")
		fs.PrintDefaults()
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	attach = append(attach, rest...)
	opts := smime.SealOptions{Sign: *sign, Encrypt: *encrypt}
	switch strings.ToLower(*cipher) {
	case "aes256-cbc", "aes-256-cbc":
		opts.Cipher = smime.AES256CBC
	case "aes256-gcm", "aes-256-gcm":
		opts.Cipher = smime.AES256GCM
	default:
		fmt.Fprintf(env.Stderr, "siegel seal: unknown cipher %q (aes256-cbc or aes256-gcm)\n", *cipher)
		return 2
	}
	if *oaep {
		opts.KeyTransport = smime.RSAOAEP
	}
	if *from == "" || len(to)+len(cc) == 0 {
		fs.Usage()
		return 2
	}

	body, err := io.ReadAll(env.Stdin)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel seal: reading the body: %v\n", err)
		return 1
	}
	draft := message.Draft{From: *from, To: to, Cc: cc, Subject: *subject, Text: string(body)}
	for _, name := range attach {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel seal: %v\n", err)
			return 1
		}
		draft.Attachments = append(draft.Attachments, message.Attachment{Name: filepath.Base(name), Data: data})
	}
	msg, err := message.Build(draft)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel seal: %v\n", err)
		return 1
	}
	if opts.Sign || opts.Encrypt {
		engine, closeStore, err := openEngine(ctx, env, false)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel seal: %v\n", err)
			return 1
		}
		defer closeStore()
		if msg, err = engine.Seal(ctx, msg, opts); err != nil {
			fmt.Fprintf(env.Stderr, "siegel seal: %v\n", err)
			var missing *smime.MissingCertError
			switch {
			case errors.As(err, &missing):
				fmt.Fprintf(env.Stderr, "siegel seal: %s\n", assets.Text("en", "compose.encrypt.disabled"))
			case errors.Is(err, smime.ErrNoSignerKey):
				fmt.Fprintf(env.Stderr, "siegel seal: %s\n", assets.Text("en", "compose.sign.disabled"))
			}
			return 1
		}
	}
	if _, err := env.Stdout.Write(msg); err != nil {
		fmt.Fprintf(env.Stderr, "siegel seal: %v\n", err)
		return 1
	}
	return 0
}
