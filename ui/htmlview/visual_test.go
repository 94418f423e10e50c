package htmlview

import (
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestTableVisual lays a 3×3 table out with Fyne's test driver: the
// cells of each column start at the same x, columns left to right, rows
// top to bottom, the header set off by a separator.
func TestTableVisual(t *testing.T) {
	test.NewTempApp(t)
	r := Render([]byte("<table><tr><th>Name</th><th>Qty</th><th>Price</th></tr><tr><td>Apple</td><td>3</td><td>1.20</td></tr><tr><td>A much longer pear name</td><td>12</td><td>0.90</td></tr></table>"), Options{})
	tab := r.Segments[0].(*TableSegment)
	v := tab.Visual().(*fyne.Container)
	v.Resize(fyne.NewSize(600, v.MinSize().Height))
	var rows []*fyne.Container
	for _, o := range v.Objects {
		switch o := o.(type) {
		case *fyne.Container:
			rows = append(rows, o)
		case *widget.Separator:
			if len(rows) != 1 {
				t.Errorf("separator after row %d, want after the header", len(rows))
			}
		}
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for c := 0; c < 3; c++ {
		x := rows[0].Objects[c].Position().X
		for ri, row := range rows {
			cell := row.Objects[c].(*widget.RichText)
			if cell.Position().X != x {
				t.Errorf("row %d column %d at x=%v, header at %v", ri, c, cell.Position().X, x)
			}
			if c > 0 && cell.Position().X <= row.Objects[c-1].Position().X {
				t.Errorf("row %d column %d not right of column %d", ri, c, c-1)
			}
		}
	}
	if got := textOf(rows[2].Objects[0].(*widget.RichText).Segments); got != "A much longer pear name\n" {
		t.Errorf("cell 3,1 holds %q", got)
	}
	if rows[1].Position().Y <= rows[0].Position().Y || rows[2].Position().Y <= rows[1].Position().Y {
		t.Error("rows not top to bottom")
	}
}

// TestShownInRichText puts the newsletter in a RichText in a test window
// and resizes it: Fyne must accept every segment (Visual, Update,
// layout) and the result must grow with its content.
func TestShownInRichText(t *testing.T) {
	test.NewTempApp(t)
	src, err := os.ReadFile("testdata/newsletter.html")
	if err != nil {
		t.Fatal(err)
	}
	r := Render(src, Options{Images: images(map[string][]byte{"logo@siegel.example": pngOf(200, 60)}), OnLink: func(Link) {}})
	rt := widget.NewRichText(r.Segments...)
	rt.Wrapping = fyne.TextWrapWord
	w := test.NewTempWindow(t, rt)
	w.Resize(fyne.NewSize(700, 500))
	w.Resize(fyne.NewSize(400, 500))
	rt.Refresh()
	if h := rt.MinSize().Height; h < 400 {
		t.Errorf("rich text only %v high for the whole newsletter", h)
	}
}
