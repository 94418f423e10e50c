package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"siegel/message"
)

// The demo's HTML mail (issue 13) is a partner's newsletter as mailing
// systems send it: multipart/alternative of a plain text and a
// multipart/related HTML page with the image it shows by cid:. Between
// them the page and its image show what the window's HTML rendering does
// — headings, emphasis, a table, links, an image of the message itself —
// and what it refuses: one image on a web server, which stays blocked.

// htmlPart is an article's HTML rendering, sent beside its text.
type htmlPart struct {
	page   string
	images []inlineImage
}

// inlineImage is an image of the HTML page, sent as a part of the message
// with a Content-ID.
type inlineImage struct {
	cid, name string
	draw      func() image.Image
}

// Boundaries of the HTML mail's multiparts. "=_" never occurs in
// quoted-printable or base64 text, so no part can contain them.
const (
	alternativeBoundary = "=_demo-alternative"
	relatedBoundary     = "=_demo-related"
)

// withHTML replaces the text entity of a message as message.Build built it
// by multipart/alternative of that text and the HTML page with its
// images, leaving the outer header as it is.
func withHTML(raw []byte, h *htmlPart) ([]byte, error) {
	outer, text, err := splitMessage(raw)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alternativeBoundary)
	fmt.Fprintf(&b, "--%s\r\n", alternativeBoundary)
	b.Write(text)
	fmt.Fprintf(&b, "\r\n--%s\r\n", alternativeBoundary)
	fmt.Fprintf(&b, "Content-Type: multipart/related; type=\"text/html\"; boundary=\"%s\"\r\n\r\n", relatedBoundary)
	fmt.Fprintf(&b, "--%s\r\n", relatedBoundary)
	b.WriteString("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	b.Write(message.AppendQuotedPrintable(nil, []byte(h.page)))
	for _, img := range h.images {
		var data bytes.Buffer
		if err := png.Encode(&data, img.draw()); err != nil {
			return nil, fmt.Errorf("demo: image %s: %w", img.name, err)
		}
		fmt.Fprintf(&b, "\r\n--%s\r\n", relatedBoundary)
		fmt.Fprintf(&b, "Content-Type: image/png; name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n", img.name)
		fmt.Fprintf(&b, "Content-ID: <%s>\r\nContent-Disposition: inline; filename=\"%s\"\r\n\r\n", img.cid, img.name)
		b.Write(message.AppendBase64Lines(nil, data.Bytes()))
	}
	fmt.Fprintf(&b, "\r\n--%s--\r\n", relatedBoundary)
	fmt.Fprintf(&b, "\r\n--%s--\r\n", alternativeBoundary)
	return joinMessage(outer, b.Bytes()), nil
}

// chartColour is the colour of the bars of the newsletter's chart: a
// magenta that no part of Siegel's themes uses, so a screenshot shows
// where the inline image was drawn (ui/e2e looks for it).
var chartColour = color.NRGBA{R: 0xD0, G: 0x10, B: 0x90, A: 0xFF}

// Chart size in pixels: large blocks of one colour, which survive
// scaling.
const chartWidth, chartHeight = 480, 160

// ordersChart draws the newsletter's bar chart: four quarters of partner
// orders, growing, on white.
func ordersChart() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, chartWidth, chartHeight))
	white := color.NRGBA{R: 0xFF, G: 0xFF, B: 0xFF, A: 0xFF}
	grey := color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xFF}
	fill := func(x0, y0, x1, y1 int, c color.NRGBA) {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetNRGBA(x, y, c)
			}
		}
	}
	fill(0, 0, chartWidth, chartHeight, white)
	const base = chartHeight - 16
	fill(16, base, chartWidth-16, base+3, grey)
	for i, h := range []int{56, 80, 104, 128} {
		x := 40 + i*108
		fill(x, base-h, x+72, base, chartColour)
	}
	return img
}

// newsletterCID is the Content-ID of the chart, which the page names.
const newsletterCID = "orders-chart.autumn@northwind.example"

// newsletterRemoteImage is the address of the newsletter's image on a
// web server: the window must never fetch it.
const newsletterRemoteImage = "https://news.northwind.example/banner/autumn-offers.jpg"

var newsletter = &htmlPart{
	images: []inlineImage{{cid: newsletterCID, name: "orders-chart.png", draw: ordersChart}},
	page: strings.NewReplacer("{{cid}}", newsletterCID, "{{remote}}", newsletterRemoteImage).Replace(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Northwind Partner News</title>
<style>body { font-family: Arial, sans-serif; } td, th { padding: 4px 12px; }</style>
</head>
<body>
<h1>Northwind Partner News</h1>
<p>Dear partners,</p>
<p>our <b>autumn price list</b> applies to every order from the first of next month. Orders placed before then are delivered at today's prices.</p>
<table border="1" cellspacing="0">
<tr><th>Product</th><th>Pack</th><th>Price</th><th>Delivery</th></tr>
<tr><td>Aniseed Syrup</td><td>12 bottles</td><td>10.00 EUR</td><td>2 days</td></tr>
<tr><td>Gorgonzola Telino</td><td>12 pieces</td><td>12.50 EUR</td><td>3 days</td></tr>
<tr><td>Raclette Courdavault</td><td>5 kg</td><td>55.00 EUR</td><td>5 days</td></tr>
</table>
<p>Partner orders grew in every quarter of this year &ndash; <i>thank you!</i></p>
<p><img src="cid:{{cid}}" alt="Partner orders per quarter" width="480" height="160"></p>
<p><img src="{{remote}}" alt="Autumn offers" width="600" height="200"></p>
<p>Questions about the new prices? Write to <a href="mailto:accounts@northwind.example">accounts@northwind.example</a> or see <a href="https://northwind.example/partners">our partner pages</a>.</p>
<p>Kind regards,<br>Partner Management, Northwind Traders</p>
</body>
</html>
`),
}

// newsletterText is the newsletter's plain alternative.
const newsletterText = `Northwind Partner News

Dear partners,

our autumn price list applies to every order from the first of next month. Orders placed before then are delivered at today's prices.

  Product                Pack         Price       Delivery
  Aniseed Syrup          12 bottles   10.00 EUR   2 days
  Gorgonzola Telino      12 pieces    12.50 EUR   3 days
  Raclette Courdavault   5 kg         55.00 EUR   5 days

Partner orders grew in every quarter of this year - thank you!

Questions about the new prices? Write to accounts@northwind.example or see our partner pages: https://northwind.example/partners

Kind regards,
Partner Management, Northwind Traders`
