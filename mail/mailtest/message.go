package mailtest

import (
	"fmt"
	"testing"
	"time"

	"siegel/message"
)

// Message builds a plain message with message.Build; edit changes the draft
// first (threading headers, Message-ID, attachments).
func Message(t testing.TB, from, to, subject, text string, edit ...func(*message.Draft)) []byte {
	t.Helper()
	d := message.Draft{From: from, To: []string{to}, Subject: subject, Text: text, Date: time.Now()}
	for _, e := range edit {
		e(&d)
	}
	raw, err := message.Build(d)
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	return raw
}

// WithID sets the Message-ID.
func WithID(id string) func(*message.Draft) {
	return func(d *message.Draft) { d.MessageID = id }
}

// ReplyTo makes the message an answer to the message parent.
func ReplyTo(parent string, refs ...string) func(*message.Draft) {
	return func(d *message.Draft) {
		d.InReplyTo = parent
		d.References = append(append([]string(nil), refs...), parent)
	}
}

// At dates the message at instead of now and, unless the draft has one
// already, gives it a Message-ID made of the date and the sender, so the
// same fixture builds the same headers every time (goldens).
func At(date time.Time) func(*message.Draft) {
	return func(d *message.Draft) {
		d.Date = date
		if d.MessageID == "" {
			d.MessageID = fmt.Sprintf("%d.%s", date.UnixNano(), d.From)
		}
	}
}
