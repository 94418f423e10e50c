package htmlview

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

const (
	// maxColumns bounds a grid: wider tables are cut (Truncated).
	maxColumns = 16
	// maxTableScan bounds the nodes looked at to tell a layout table.
	maxTableScan = 5000
)

// TableSegment is a data table shown as a grid: equal columns, each
// cell a rich text of its own (so links, emphasis and images in cells
// keep working), header rows bold and set off by a line. RichText has
// no table segment of its own.
//
// Like all segments of a Result it is not changed after Render.
type TableSegment struct {
	Columns int
	Rows    []TableRow
}

// TableRow is one row of a TableSegment: exactly Columns cells (a cell
// spanning columns is followed by empty ones).
type TableRow struct {
	Header bool
	Cells  [][]widget.RichTextSegment
}

// Inline returns false: a table is a block.
func (t *TableSegment) Inline() bool { return false }

// Textual returns the table as lines of cells separated by " | ".
func (t *TableSegment) Textual() string {
	var b strings.Builder
	for _, r := range t.Rows {
		for i, c := range r.Cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(strings.ReplaceAll(strings.TrimSpace(textOf(c)), "\n", " "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Visual returns the grid: one row container of Columns equal cells per
// row, so cells line up in columns whatever their text.
func (t *TableSegment) Visual() fyne.CanvasObject {
	var rows []fyne.CanvasObject
	for i, r := range t.Rows {
		cells := make([]fyne.CanvasObject, len(r.Cells))
		for j, c := range r.Cells {
			rt := widget.NewRichText(c...)
			rt.Wrapping = fyne.TextWrapWord
			cells[j] = rt
		}
		rows = append(rows, box(layout.NewGridLayoutWithColumns(t.Columns), cells...))
		if r.Header && (i+1 == len(t.Rows) || !t.Rows[i+1].Header) {
			rows = append(rows, widget.NewSeparator())
		}
	}
	return box(layout.NewVBoxLayout(), rows...)
}

// Update refreshes the visual; the segment does not change after Render.
func (t *TableSegment) Update(o fyne.CanvasObject) { o.Refresh() }

// Select does nothing: selection is not offered in rich text yet.
func (t *TableSegment) Select(_, _ fyne.Position) {}

// SelectedText returns "".
func (t *TableSegment) SelectedText() string { return "" }

// Unselect does nothing.
func (t *TableSegment) Unselect() {}

type tableRow struct {
	tr     *html.Node
	header bool // in <thead>
}

// table renders <table>. A data table becomes a TableSegment. A layout
// table — one column, role=presentation, or a table holding tables, as
// newsletters are built — shows its cells one after the other as
// blocks: a grid of grids would only squeeze the text.
func (w *walker) table(n *html.Node, depth int) {
	w.flush()
	var rows []tableRow
	var caption *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.DataAtom {
		case atom.Caption:
			caption = c
		case atom.Tr:
			rows = append(rows, tableRow{tr: c})
		case atom.Thead, atom.Tbody, atom.Tfoot:
			w.countStyle(c)
			for r := c.FirstChild; r != nil; r = r.NextSibling {
				if r.DataAtom == atom.Tr {
					rows = append(rows, tableRow{tr: r, header: c.DataAtom == atom.Thead})
				}
			}
		}
	}
	if caption != nil {
		saved := w.st
		w.st.bold = true
		w.walk(caption, depth+1)
		w.flush()
		w.st = saved
	}
	cols := 0
	for _, r := range rows {
		w.countStyle(r.tr)
		n := 0
		for c := r.tr.FirstChild; c != nil; c = c.NextSibling {
			if isCell(c) {
				w.countStyle(c)
				n += colspan(c)
			}
		}
		cols = max(cols, n)
	}
	role := strings.ToLower(strings.TrimSpace(attr(n, "role")))
	if cols <= 1 || w.nest >= maxNest || role == "presentation" || role == "none" || holdsTable(rows) {
		for _, r := range rows {
			for c := r.tr.FirstChild; c != nil && !w.stop; c = c.NextSibling {
				if isCell(c) {
					w.flush()
					w.walk(c, depth+3)
					w.flush()
				}
			}
		}
		return
	}
	if cols > maxColumns {
		cols, w.res.Truncated = maxColumns, true
	}
	t := &TableSegment{Columns: cols}
	w.nest++
	for _, r := range rows {
		if w.stop {
			break
		}
		row := TableRow{Header: r.header}
		allTh, filled := true, false
		for c := r.tr.FirstChild; c != nil && len(row.Cells) < cols; c = c.NextSibling {
			if !isCell(c) {
				continue
			}
			th := c.DataAtom == atom.Th
			saved := w.st
			w.st.bold = w.st.bold || r.header || th
			segs := w.collect(func() { w.walk(c, depth+3) })
			w.st = saved
			if !w.spend(1) {
				break
			}
			row.Cells = append(row.Cells, segs)
			if len(segs) > 0 {
				filled = true
				allTh = allTh && th
			}
			for k := 1; k < colspan(c) && len(row.Cells) < cols; k++ {
				row.Cells = append(row.Cells, nil)
			}
		}
		if !filled {
			continue
		}
		for len(row.Cells) < cols {
			row.Cells = append(row.Cells, nil)
		}
		row.Header = row.Header || allTh
		t.Rows = append(t.Rows, row)
	}
	w.nest--
	if len(t.Rows) > 0 && w.spend(1) {
		w.emit(t)
	}
}

func isCell(n *html.Node) bool {
	return n.Type == html.ElementNode && (n.DataAtom == atom.Td || n.DataAtom == atom.Th)
}

// colspan is a cell's column span, 1 to maxColumns.
func colspan(n *html.Node) int {
	s, err := strconv.Atoi(strings.TrimSpace(attr(n, "colspan")))
	if err != nil || s < 1 {
		return 1
	}
	return min(s, maxColumns)
}

// holdsTable reports that a cell contains a table (or more markup than
// is worth scanning), which marks a layout table.
func holdsTable(rows []tableRow) bool {
	seen := 0
	for _, r := range rows {
		root := r.tr
		for n := root.FirstChild; n != nil; {
			seen++
			if seen > maxTableScan {
				return true
			}
			if n.Type == html.ElementNode && n.DataAtom == atom.Table {
				return true
			}
			if n.FirstChild != nil {
				n = n.FirstChild
				continue
			}
			for n != root && n.NextSibling == nil {
				n = n.Parent
			}
			if n == root {
				break
			}
			n = n.NextSibling
		}
	}
	return false
}
