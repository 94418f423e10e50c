package ui

import (
	"math"

	"fyne.io/fyne/v2"
)

// Screen is the part of a monitor that windows may use, without the
// desktop's panels, in the monitor's pixels.
type Screen struct{ X, Y, Width, Height int }

// contains reports whether the point (x, y) lies on s.
func (s Screen) contains(x, y int) bool {
	return x >= s.X && y >= s.Y && x < s.X+s.Width && y < s.Y+s.Height
}

// Placement is what the main window needs of the desktop that Fyne 2.7
// does not offer: the monitors' usable areas and a window's place on
// them, in pixels. main implements it with GLFW; without one the window
// keeps the size it has and stands where the desktop puts it. It is
// called on the UI goroutine, while the window is shown.
type Placement interface {
	// Screens are the monitors' usable areas, the primary one first.
	Screens() []Screen
	// Position is where w's content stands; false when that is not
	// known.
	Position(w fyne.Window) (x, y int, ok bool)
	// Move puts w's content at (x, y).
	Move(w fyne.Window, x, y int)
}

// The window's size on a screen: a share of it, but not smaller than
// comfortable where the screen has room (on a laptop's 1366×768, 85 %
// would leave the article a few lines), and never larger than the
// screen.
const windowShare = 0.85

var comfortable = fyne.NewSize(1200, 720)

// minWindow is the main window's minimum size, the window's content's
// MinSize in every state (see minLayout): at this size the list, the open
// article and the Reply bar still show. It fits the smallest screen
// tested, 1600×1000 at 150 % (1066×626 after the title bar).
var minWindow = fyne.NewSize(800, 500)

// frameAllowance is what the window manager's title bar and borders take
// of the usable area, in pixels: it counts the whole window, Fyne's sizes
// the content.
const frameAllowance = 40

// windowSize is the main window's size on a screen at a scale (Fyne's
// canvas scale: the desktop's scaling times FYNE_SCALE).
func windowSize(s Screen, scale float32) fyne.Size {
	avail := available(s, scale)
	want := fyne.NewSize(avail.Width*windowShare, avail.Height*windowShare).Max(comfortable.Min(avail))
	return floorSize(want.Min(avail))
}

// available is the room a window's content has on a screen, in Fyne's
// units.
func available(s Screen, scale float32) fyne.Size {
	if scale <= 0 {
		scale = 1
	}
	return fyne.NewSize(float32(s.Width)/scale, float32(max(s.Height-frameAllowance, 0))/scale)
}

// fits reports whether a window of size at (x, y) in pixels stands
// wholly on s.
func fits(s Screen, scale float32, x, y int, size fyne.Size) bool {
	w, h := int(math.Ceil(float64(size.Width*scale))), int(math.Ceil(float64(size.Height*scale)))
	return x >= s.X && y >= s.Y && x+w <= s.X+s.Width && y+h <= s.Y+s.Height
}

func floorSize(s fyne.Size) fyne.Size {
	return fyne.NewSize(float32(math.Floor(float64(s.Width))), float32(math.Floor(float64(s.Height))))
}

// geometry is where and how large the window was when it last closed: its
// size in Fyne's units, its place in pixels.
type geometry struct {
	size   fyne.Size
	x, y   int
	placed bool // x and y are known
}

// placeWindow chooses the window's size and place: the remembered ones
// when the window fits on the screen it stood on, else the remembered
// size when it fits the primary screen (or windowSize of it), centred
// there. ok is false without a screen.
func placeWindow(screens []Screen, scale float32, last geometry) (size fyne.Size, x, y int, ok bool) {
	if len(screens) == 0 {
		return fyne.Size{}, 0, 0, false
	}
	if last.placed && last.size.Width >= minWindow.Width && last.size.Height >= minWindow.Height {
		for _, s := range screens {
			if s.contains(last.x, last.y) && fits(s, scale, last.x, last.y, last.size) {
				return last.size, last.x, last.y, true
			}
		}
	}
	s := screens[0]
	if last.size.Width >= minWindow.Width && last.size.Height >= minWindow.Height &&
		last.size.Width <= available(s, scale).Width && last.size.Height <= available(s, scale).Height {
		size = last.size
	} else {
		size = windowSize(s, scale)
	}
	// Centred with the title bar, which stands above the content.
	w, h := int(size.Width*scale), int(size.Height*scale)
	x = s.X + max(s.Width-w, 0)/2
	y = s.Y + max(s.Height-h-frameAllowance, 0)/2 + frameAllowance
	return size, x, y, true
}

// minLayout gives the window's content its size and reports minWindow as
// its minimum, whatever the content holds: Fyne makes a window's minimum
// its content's, which grew as views opened (a window that opened at
// 411×198 could not be made smaller than 516×607 once a ticket showed).
// The views keep their own minimums below minWindow (tested).
type minLayout struct{}

func (minLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (minLayout) MinSize([]fyne.CanvasObject) fyne.Size { return minWindow }
