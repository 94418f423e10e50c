package demo

import (
	"bytes"
	"context"
	"image/png"
	"reflect"
	"strings"
	"testing"

	"siegel/crypto/smime"
	"siegel/message"
)

// newsletterSubject is the subject of the demo's HTML mail.
const newsletterSubject = "Northwind Partner News: autumn price list"

// TestNewsletterStructure: the newsletter arrives as a mailing system
// sends HTML mail, signed: the signature over multipart/alternative of
// the text and multipart/related of the page and its chart.
func TestNewsletterStructure(t *testing.T) {
	d := shared(t)
	_, arts := articles(t, d, newsletterSubject)
	if len(arts) != 1 {
		t.Fatalf("%d articles, want 1", len(arts))
	}
	raw, err := d.Desk.RawArticle(context.Background(), arts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	const want = "multipart/signed(multipart/alternative(text/plain, multipart/related(text/html, image/png)), application/pkcs7-signature)"
	if got := structure(message.ParseEntity(raw)); got != want {
		t.Errorf("structure:\ngot  %s\nwant %s", got, want)
	}
	if a := arts[0]; a.Security.Signature != smime.SigValid || a.Security.Signer == nil || a.Security.Signer.Emails[0] != news.email {
		t.Errorf("signature %s by %+v, want valid by %s", a.Security.Signature, a.Security.Signer, news.email)
	}
}

// structure writes an entity's tree of media types.
func structure(e message.Entity) string {
	mt, params := e.MediaType()
	if !strings.HasPrefix(mt, "multipart/") {
		return mt
	}
	parts, _ := message.SplitMultipart(e.Body, params["boundary"])
	kids := make([]string, len(parts))
	for i, p := range parts {
		kids[i] = structure(message.ParseEntity(p))
	}
	return mt + "(" + strings.Join(kids, ", ") + ")"
}

// TestNewsletterHTML: opened, the newsletter's text is its plain
// alternative, its HTML the page with the table, the chart by cid: and
// the remote image, and the chart is its one attachment, inline, exactly
// the PNG the demo drew.
func TestNewsletterHTML(t *testing.T) {
	d := shared(t)
	_, arts := articles(t, d, newsletterSubject)
	v, err := d.Desk.OpenArticle(context.Background(), arts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Text != newsletterText || v.FromHTML {
		t.Errorf("text (from HTML %v):\n%s\nwant the plain alternative:\n%s", v.FromHTML, v.Text, newsletterText)
	}
	// The page travels with CRLF line ends, as all mail does.
	if got := strings.ReplaceAll(v.HTML, "\r\n", "\n"); got != newsletter.page {
		t.Errorf("HTML:\n%s\nwant the page as sent:\n%s", got, newsletter.page)
	}
	for _, s := range []string{
		"<table", "<td>Aniseed Syrup</td>", "<td>Raclette Courdavault</td>",
		`<img src="cid:` + newsletterCID + `"`,
		`<img src="` + newsletterRemoteImage + `"`,
	} {
		if !strings.Contains(v.HTML, s) {
			t.Errorf("the HTML lacks %q", s)
		}
	}
	if !strings.HasPrefix(newsletterRemoteImage, "https://") {
		t.Errorf("the remote image %q is not on a web server", newsletterRemoteImage)
	}
	var chart bytes.Buffer
	if err := png.Encode(&chart, ordersChart()); err != nil {
		t.Fatal(err)
	}
	want := []message.Attachment{{Name: "orders-chart.png", ContentType: "image/png", Data: chart.Bytes(), ContentID: newsletterCID, Inline: true}}
	if !reflect.DeepEqual(v.Attachments, want) {
		got := make([]message.Attachment, len(v.Attachments))
		for i, a := range v.Attachments {
			got[i], got[i].Data = a, nil
		}
		t.Errorf("attachments (data left out) %+v, want the chart %+v", got, message.Attachment{Name: want[0].Name, ContentType: want[0].ContentType, ContentID: newsletterCID, Inline: true})
	}
}

// TestOrdersChart: the chart's bars are large blocks of chartColour on
// white, which a screenshot can find however the window scales it.
func TestOrdersChart(t *testing.T) {
	img := ordersChart()
	if b := img.Bounds(); b.Dx() != chartWidth || b.Dy() != chartHeight {
		t.Fatalf("chart %v, want %dx%d", b, chartWidth, chartHeight)
	}
	bars := 0
	for y := 0; y < chartHeight; y++ {
		for x := 0; x < chartWidth; x++ {
			if img.At(x, y) == chartColour {
				bars++
			}
		}
	}
	// Four bars 72 pixels wide, 56+80+104+128 high.
	if want := 72 * (56 + 80 + 104 + 128); bars != want {
		t.Errorf("%d pixels of the bars' colour, want %d", bars, want)
	}
}
