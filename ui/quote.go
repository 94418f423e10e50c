package ui

import (
	"strings"
	"time"

	"siegel/mail"
)

// longDateTime writes a date as a sentence reads it, in the agent's
// language: "3 December 2026 at 14:05", "3. Dezember 2026 um 14:05". The
// quote's attribution and a forward's Date line are read by the customer,
// so they spell the month out rather than use the list's short format.
func longDateTime(t time.Time) string {
	t = t.Local()
	months := strings.Fields(tr("format.months"))
	month := t.Month().String()
	if len(months) == 12 {
		month = months[t.Month()-1]
	}
	return trf("format.long-datetime", map[string]any{"Day": t.Day(), "Month": month, "Year": t.Year(), "Time": t.Format("15:04")})
}

// attribution is the line above a reply's quote (mail.Attribution):
// "On 3 December 2026 at 14:05, Anna Schmidt wrote:".
func attribution(date time.Time, name string) string {
	return trf("compose.quote.attribution", map[string]any{"Date": longDateTime(date), "Name": name})
}

// forwardText is the text a forward starts with: room for the agent's
// note at the top, the forwarded header in the agent's language, and the
// article's text as it arrived (not quoted: a forward passes the message
// on, it does not answer it).
func forwardText(v *mail.ArticleView) string {
	lines := []string{"", "", tr("compose.forward.header")}
	add := func(key, value string) {
		if value != "" {
			lines = append(lines, tr(key)+": "+value)
		}
	}
	add("compose.from", person(v.From.Name, v.From.Address))
	date := v.Date
	if date.IsZero() {
		date = v.Arrived
	}
	if !date.IsZero() {
		add("compose.forward.date", longDateTime(date))
	}
	add("compose.subject", v.Subject)
	add("article.to", addressList(v.To))
	add("article.cc", addressList(v.Cc))
	lines = append(lines, "", strings.ReplaceAll(v.Text, "\r\n", "\n"))
	return strings.Join(lines, "\n")
}
