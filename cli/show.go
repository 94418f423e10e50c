package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"siegel/mail"
	"siegel/message"
)

// showJSON is the object `show --json` prints.
type showJSON struct {
	Ticket   ticketJSON    `json:"ticket"`
	Articles []articleJSON `json:"articles"`
}

// articleJSON is one article: its header data, the same encryption and
// signature objects as `inspect --json` (the stored result, as the
// ticket's security bar shows it), and the text and attachments of the
// message opened in memory.
type articleJSON struct {
	MessageID   string           `json:"message_id"`
	Outgoing    bool             `json:"outgoing"`
	From        string           `json:"from"`
	To          []string         `json:"to"`
	Cc          []string         `json:"cc"`
	Date        *time.Time       `json:"date"`
	Arrived     time.Time        `json:"arrived"`
	Subject     string           `json:"subject"`
	Encryption  encryptionJSON   `json:"encryption"`
	Signature   signatureJSON    `json:"signature"`
	Layers      []layerJSON      `json:"layers"`
	Text        string           `json:"text"`
	Attachments []attachmentJSON `json:"attachments"`
}

type attachmentJSON struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// runShow is `siegel show [--json] TICKET`: one ticket with its articles,
// oldest first, and their security states. Encrypted articles are
// decrypted in memory for their text. Exit status 1 when the ticket does
// not exist.
func runShow(ctx context.Context, env Env, args []string) int {
	fs := newFlagSet("show", &env)
	asJSON := fs.Bool("json", false, "print the ticket as one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "usage: siegel show [--json] TICKET   (TICKET: 10042 or Ticket#10042)")
	}
	rest, err := parseInterspersed(fs, args)
	if err != nil || len(rest) != 1 {
		fs.Usage()
		return 2
	}
	number, ok := parseTicketNumber(rest[0])
	if !ok {
		fmt.Fprintf(env.Stderr, "siegel show: %q is not a ticket number\n", rest[0])
		return 2
	}
	d, done, err := openDesk(ctx, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel show: %v\n", err)
		return 1
	}
	defer done()
	t, err := d.TicketByNumber(ctx, number)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel show: %s: %v\n", mail.FormatTag(number), err)
		return 1
	}
	arts, err := d.Articles(ctx, t.ID)
	if err != nil {
		fmt.Fprintf(env.Stderr, "siegel show: %v\n", err)
		return 1
	}
	rep := showJSON{Ticket: newTicketJSON(&t), Articles: []articleJSON{}}
	for _, a := range arts {
		v, err := d.OpenArticle(ctx, a.ID)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel show: %v\n", err)
			return 1
		}
		rep.Articles = append(rep.Articles, newArticleJSON(v))
	}
	out := bufio.NewWriter(env.Stdout)
	defer out.Flush()
	if *asJSON {
		line, err := json.Marshal(rep)
		if err != nil {
			fmt.Fprintf(env.Stderr, "siegel show: %v\n", err)
			return 1
		}
		out.Write(append(line, '\n'))
		return 0
	}
	fmt.Fprintf(out, "%s %s\nState: %s   Customer: %s   Last activity: %s\n", t.Tag(), t.Subject, t.State,
		message.Address{Name: t.Customer.Name, Address: t.Customer.Address}, t.LastActivity.Local().Format("2006-01-02 15:04"))
	for i, a := range rep.Articles {
		fmt.Fprintf(out, "\n--- Article %d of %d", i+1, len(rep.Articles))
		if a.Outgoing {
			fmt.Fprint(out, " (ours)")
		}
		fmt.Fprintf(out, " ---\nFrom: %s\nTo: %s\n", a.From, strings.Join(a.To, ", "))
		if len(a.Cc) > 0 {
			fmt.Fprintf(out, "Cc: %s\n", strings.Join(a.Cc, ", "))
		}
		if a.Date != nil {
			fmt.Fprintf(out, "Date: %s\n", a.Date.Local().Format(time.RFC1123Z))
		}
		fmt.Fprintf(out, "Subject: %s\nEncryption: %s — %s\nSignature: %s — %s\n", a.Subject,
			a.Encryption.State, a.Encryption.Message, a.Signature.State, a.Signature.Message)
		if a.Signature.Signer.Email != "" {
			fmt.Fprintf(out, "Signer: %s, %s\n", a.Signature.Signer.Email, a.Signature.Signer.Fingerprint)
		}
		fmt.Fprintf(out, "\n%s\n", strings.TrimRight(a.Text, "\n"))
		for _, att := range a.Attachments {
			fmt.Fprintf(out, "[attachment %s, %s, %d bytes]\n", att.Name, att.ContentType, att.Size)
		}
	}
	return 0
}

func newArticleJSON(v *mail.ArticleView) articleJSON {
	a := articleJSON{
		MessageID: v.MessageID, Outgoing: v.Outgoing, From: v.From.String(),
		To: addressStrings(v.To), Cc: addressStrings(v.Cc), Arrived: v.Arrived.UTC(), Subject: v.Subject,
		Encryption: newEncryptionJSON(v.Security), Signature: newSignatureJSON(v.Security), Layers: newLayersJSON(v.Security),
		Text: v.Text, Attachments: []attachmentJSON{},
	}
	if !v.Date.IsZero() {
		d := v.Date.UTC()
		a.Date = &d
	}
	for _, att := range v.Attachments {
		a.Attachments = append(a.Attachments, attachmentJSON{Name: att.Name, ContentType: att.ContentType, Size: len(att.Data)})
	}
	return a
}

func addressStrings(list []message.Address) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.String())
	}
	return out
}

// parseTicketNumber reads "10042", "#10042", "Ticket#10042" or
// "[Ticket#10042]".
func parseTicketNumber(s string) (int64, bool) {
	s = strings.Trim(strings.TrimSpace(s), "[]")
	if i := strings.IndexByte(s, '#'); i >= 0 {
		if p := s[:i]; p != "" && !strings.EqualFold(p, "ticket") {
			return 0, false
		}
		s = s[i+1:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
