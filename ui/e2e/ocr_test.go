package e2e

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// rect is an area of the screen, in screen pixels.
type rect struct{ X, Y, W, H int }

func (r rect) String() string { return fmt.Sprintf("%dx%d+%d+%d", r.W, r.H, r.X, r.Y) }

// centre is the middle of r.
func (r rect) centre() (x, y int) { return r.X + r.W/2, r.Y + r.H/2 }

func (r rect) union(o rect) rect {
	x0, y0 := min(r.X, o.X), min(r.Y, o.Y)
	x1, y1 := max(r.X+r.W, o.X+o.W), max(r.Y+r.H, o.Y+o.H)
	return rect{x0, y0, x1 - x0, y1 - y0}
}

// word is a word the OCR read, where it is on the screen.
type word struct {
	rect
	text string
}

// page is what the OCR read in one screenshot, in lines top to bottom.
type page struct {
	file  string
	lines [][]word // each sorted left to right
}

// ocrScale is how much a screenshot is enlarged for Tesseract, which reads
// the 14-pixel text of a window at scale 1 poorly.
const ocrScale = 2

// How a screenshot is made readable: the light text of the dark theme
// must become dark text on light, enlarged.
type ocrMode int

const (
	// threshold makes every light pixel black and the rest white: the
	// white text on the blue of a highlighted button survives, as does
	// the grey of a placeholder. For whole windows.
	threshold ocrMode = iota
	// inverted keeps the grey levels, inverted: the edges of small text
	// stay smooth. For tooltips, one colour on one background.
	inverted
)

// ocr reads the area of a screenshot.
func ocr(t testing.TB, png string, area rect) page { return ocrAs(t, png, area, threshold) }

// ocrAs reads the area of a screenshot prepared as mode says.
func ocrAs(t testing.TB, png string, area rect, mode ocrMode) page {
	t.Helper()
	prepared := strings.TrimSuffix(png, ".png") + fmt.Sprintf("-ocr%d.png", mode)
	args := []string{png, "-crop", area.String(), "+repage", "-colorspace", "Gray"}
	if mode == threshold {
		args = append(args, "-threshold", "45%")
	}
	args = append(args, "-negate", "-resize", fmt.Sprintf("%d%%", ocrScale*100), prepared)
	convert := exec.Command("convert", args...)
	if out, err := convert.CombinedOutput(); err != nil {
		t.Fatalf("convert %s: %v: %s", png, err, out)
	}
	// --psm 11: sparse text, as a window is; one thread is faster on a
	// busy machine than OpenMP spinning.
	cmd := exec.Command("tesseract", prepared, "stdout", "-l", "eng", "--psm", "11", "tsv")
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tesseract %s: %v: %s", prepared, err, stderr.String())
	}
	var words []word
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) != 12 || f[0] != "5" || strings.TrimSpace(f[11]) == "" {
			continue
		}
		n := make([]int, 4)
		for j := range n {
			n[j], _ = strconv.Atoi(f[6+j])
		}
		words = append(words, word{
			rect: rect{area.X + n[0]/ocrScale, area.Y + n[1]/ocrScale, n[2] / ocrScale, n[3] / ocrScale},
			text: strings.TrimSpace(f[11]),
		})
	}
	return page{file: png, lines: intoLines(words)}
}

// intoLines groups words whose middles are at about the same height.
func intoLines(words []word) [][]word {
	sort.Slice(words, func(i, j int) bool { return words[i].Y+words[i].H/2 < words[j].Y+words[j].H/2 })
	var lines [][]word
	for _, w := range words {
		_, cy := w.centre()
		if n := len(lines); n > 0 {
			last := lines[n-1][0]
			if _, ly := last.centre(); abs(cy-ly) <= max(last.H, w.H)/2 {
				lines[n-1] = append(lines[n-1], w)
				continue
			}
		}
		lines = append(lines, []word{w})
	}
	for _, l := range lines {
		sort.Slice(l, func(i, j int) bool { return l[i].X < l[j].X })
	}
	return lines
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// text is everything read, a line of the screen per line.
func (p page) text() string {
	var b strings.Builder
	for _, l := range p.lines {
		for i, w := range l {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w.text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// has reports whether the text read contains s (spaces as they come).
func (p page) has(s string) bool {
	return strings.Contains(squash(p.text()), squash(s))
}

// squash makes every run of white space one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// token is a word as compared: OCR reads trailing dots and colons
// unreliably ("message..." for "message…").
func token(s string) string { return strings.TrimRight(s, ".,:;…") }

// findAll returns where the words of phrase stand one after the other on
// a line, top to bottom.
func (p page) findAll(phrase string) []rect {
	want := strings.Fields(phrase)
	var found []rect
	for _, l := range p.lines {
	start:
		for i := 0; i+len(want) <= len(l); i++ {
			r := l[i].rect
			for j, w := range want {
				if token(l[i+j].text) != token(w) {
					continue start
				}
				r = r.union(l[i+j].rect)
			}
			found = append(found, r)
		}
	}
	return found
}

// find returns the first place of phrase.
func (p page) find(phrase string) (rect, bool) {
	all := p.findAll(phrase)
	if len(all) == 0 {
		return rect{}, false
	}
	return all[0], true
}

// readPNG decodes a screenshot.
func readPNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// changed returns the smallest area holding every pixel that differs
// between two screenshots, with a margin; false when none does.
func changed(t testing.TB, before, after string) (rect, bool) {
	t.Helper()
	a, b := readPNG(t, before), readPNG(t, after)
	bounds := a.Bounds().Intersect(b.Bounds())
	x0, y0, x1, y1 := bounds.Max.X, bounds.Max.Y, -1, -1
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			d := absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2)
			if d>>8 > 24 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return rect{}, false
	}
	const margin = 4
	r := image.Rect(x0-margin, y0-margin, x1+1+margin, y1+1+margin).Intersect(bounds)
	return rect{r.Min.X, r.Min.Y, r.Dx(), r.Dy()}, true
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// highlighted reports whether the button whose label is at r has the
// highlight colour (the theme's blue) above and below its label.
func highlighted(t testing.TB, shot string, r rect) bool {
	t.Helper()
	img := readPNG(t, shot)
	x, _ := r.centre()
	for _, y := range []int{r.Y - 5, r.Y + r.H + 5} {
		cr, cg, cb, _ := img.At(x, y).RGBA()
		cr, cg, cb = cr>>8, cg>>8, cb>>8
		if !(cb > 150 && cb > cr+60 && cb > cg+30) {
			return false
		}
	}
	return true
}
