package htmlview

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // the image types a mail may show inline
	_ "image/jpeg"
	_ "image/png"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
)

const (
	// maxPixels bounds an image's decoded size (about 96 MiB as RGBA):
	// the header is checked before Fyne decodes it, so a small file that
	// claims a huge picture is not decoded.
	maxPixels = 24_000_000
	// maxDataImage bounds a data: image (decoded bytes). Larger ones are
	// not what a mail embeds in its markup, and are left out.
	maxDataImage = 512 << 10
)

// InlineImage is an image of the message itself (a cid: part, or a
// small data: URI) shown as a block at a bounded size. Only PNG, JPEG
// and GIF are shown, recognised by their content, not by their name or
// declared type.
type InlineImage struct {
	// Resource holds the image bytes, named for their real type.
	Resource fyne.Resource
	// Alt is the image's alternative text.
	Alt string
	// Size is the size shown: the image's own, scaled down to fit
	// Options.MaxImageWidth × MaxImageHeight, keeping its aspect; a
	// narrower line scales it down further.
	Size fyne.Size
}

// Inline returns false: an image stands on its own row.
func (i *InlineImage) Inline() bool { return false }

// Textual returns the alt text in brackets, as the plain text shows it.
func (i *InlineImage) Textual() string { return "[" + i.Alt + "]" }

// Visual returns the image in a layout that keeps it within the line.
func (i *InlineImage) Visual() fyne.CanvasObject {
	img := canvas.NewImageFromResource(i.Resource)
	img.FillMode = canvas.ImageFillContain
	return box(&imageLayout{size: i.Size}, img)
}

// Update shows this image in an existing visual.
func (i *InlineImage) Update(o fyne.CanvasObject) {
	c := o.(*fyne.Container)
	c.Layout = &imageLayout{size: i.Size}
	img := c.Objects[0].(*canvas.Image)
	img.Resource = i.Resource
	img.Refresh()
}

// Select does nothing: an image has no text to select.
func (i *InlineImage) Select(_, _ fyne.Position) {}

// SelectedText returns "".
func (i *InlineImage) SelectedText() string { return "" }

// Unselect does nothing.
func (i *InlineImage) Unselect() {}

// imageLayout places the image at its size from the left, shrunk to the
// width available.
type imageLayout struct{ size fyne.Size }

func (l *imageLayout) Layout(objs []fyne.CanvasObject, s fyne.Size) {
	sz := l.size
	if s.Width > 0 && sz.Width > s.Width {
		sz = fyne.NewSize(s.Width, sz.Height*s.Width/sz.Width)
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(sz)
	}
}

func (l *imageLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	// The height only: a wide image must not force a wide window.
	return fyne.NewSize(1, l.size.Height)
}

func box(l fyne.Layout, objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: l, Objects: objs}
}

// image renders <img>: the message's own image for cid:, a small data:
// image, and for anything else — remote, local file, relative — nothing
// fetched: it is counted as blocked and its alt text shown in brackets.
func (w *walker) image(n *html.Node) {
	src := strings.TrimSpace(attr(n, "src"))
	alt := strings.Join(strings.Fields(attr(n, "alt")), " ")
	lower := strings.ToLower(src)
	switch {
	case strings.HasPrefix(lower, "cid:"):
		cid := src[len("cid:"):]
		if c, err := url.PathUnescape(cid); err == nil {
			cid = c
		}
		cid = strings.Trim(cid, "<> ")
		if w.o.Images != nil && cid != "" {
			if r, ok := w.o.Images(cid); ok && r != nil && w.showImage(r.Content(), alt) {
				return
			}
		}
	case strings.HasPrefix(lower, "data:"):
		if data, ok := dataImage(src); ok && w.showImage(data, alt) {
			return
		}
	case src == "" && strings.TrimSpace(attr(n, "srcset")) == "":
	default:
		w.res.Blocked++
	}
	if alt != "" {
		w.addText(" [" + alt + "] ")
	}
}

// showImage adds data as an image block when it is a PNG, JPEG or GIF of
// a size that may be decoded.
func (w *walker) showImage(data []byte, alt string) bool {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return false
	}
	switch format {
	case "png", "jpeg", "gif":
	default:
		return false
	}
	w.flush()
	if !w.spend(1) {
		return true
	}
	// The name is ours: Fyne picks its decoder by name (.svg), and the
	// sender's name must not choose it.
	name := fmt.Sprintf("inline-%d.%s", w.segs, format)
	size := fitSize(float32(cfg.Width), float32(cfg.Height), w.o.MaxImageWidth, w.o.MaxImageHeight)
	w.emit(&InlineImage{Resource: fyne.NewStaticResource(name, data), Alt: alt, Size: size})
	return true
}

// fitSize scales w×h down (never up) to fit maxW×maxH.
func fitSize(w, h, maxW, maxH float32) fyne.Size {
	s := float32(1)
	if w > maxW {
		s = maxW / w
	}
	if h*s > maxH {
		s = maxH / h
	}
	return fyne.NewSize(max(1, w*s), max(1, h*s))
}

// dataImage decodes a base64 data: URI of an image type, up to
// maxDataImage bytes. Its content is checked by showImage.
func dataImage(src string) ([]byte, bool) {
	meta, payload, ok := strings.Cut(src[len("data:"):], ",")
	if !ok {
		return nil, false
	}
	meta = strings.ToLower(strings.ReplaceAll(meta, " ", ""))
	if !strings.HasPrefix(meta, "image/") || !strings.HasSuffix(meta, ";base64") {
		return nil, false
	}
	payload = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			return -1
		}
		return r
	}, payload)
	if base64.StdEncoding.DecodedLen(len(payload)) > maxDataImage+3 {
		return nil, false
	}
	enc := base64.StdEncoding
	if !strings.HasSuffix(payload, "=") && len(payload)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	data, err := enc.DecodeString(payload)
	if err != nil || len(data) > maxDataImage {
		return nil, false
	}
	return data, true
}

var _ widget.RichTextSegment = (*InlineImage)(nil)
