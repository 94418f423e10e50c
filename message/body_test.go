package message

import (
	"fmt"
	"strings"
	"testing"
)

// TestExtractHTMLRendering: the HTML of an alternative is kept for the
// window even when the text comes from the plain part, with its inline
// images by Content-ID; the sender's real attachments stay attachments.
func TestExtractHTMLRendering(t *testing.T) {
	raw := "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n" +
		"--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
		"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain text.\r\n" +
		"--a\r\nContent-Type: multipart/related; boundary=r\r\n\r\n" +
		"--r\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<p>Gr\xfc\xdfe <img src=\"cid:logo@x\"></p>\r\n" +
		"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--r--\r\n--a--\r\n" +
		"--m\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n" +
		"--m--\r\n"
	b := Extract([]byte(raw))
	if b.Text != "Plain text." || b.FromHTML {
		t.Errorf("text: got %q (from HTML %v), want the plain part", b.Text, b.FromHTML)
	}
	if b.HTML != "<p>Grüße <img src=\"cid:logo@x\"></p>" {
		t.Errorf("HTML: got %q", b.HTML)
	}
	var got []string
	for _, a := range b.Attachments {
		got = append(got, fmt.Sprintf("%s %s cid=%s inline=%v", a.Name, a.ContentType, a.ContentID, a.Inline))
	}
	want := []string{"attachment-1.png image/png cid=logo@x inline=true", "a.pdf application/pdf cid= inline=false"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("attachments: got %q, want %q", got, want)
	}

	// HTML alone: the text is its text, the HTML is kept.
	b = Extract([]byte("Content-Type: text/html\r\n\r\n<h1>Title</h1><p>Body</p>\r\n"))
	if b.HTML != "<h1>Title</h1><p>Body</p>\r\n" || !b.FromHTML || !strings.Contains(b.Text, "Title") {
		t.Errorf("HTML only: got %+v", b)
	}
	// Plain alone has none.
	if b := Extract([]byte("Content-Type: text/plain\r\n\r\nhi\r\n")); b.HTML != "" {
		t.Errorf("plain only: HTML %q", b.HTML)
	}
}
