package main

import (
	"fmt"
	"image"
	"io"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
)

// traceStartEnv names the environment variable that, when set, makes
// Siegel say on standard error when its window was first drawn: the cold
// start's figure (issue 6), and the end-to-end tests' sign that the window
// is up.
const traceStartEnv = "SIEGEL_TRACE_START"

// processStart is about when the process started: package variables of
// main are set right after the runtime and the imported packages.
var processStart = time.Now()

// traceFirstFrame reports the first frame of w. Fyne has no event for
// it; a raster's image is made by the painter while it draws the frame,
// so a transparent one-pixel raster over the content says when that was.
func traceFirstFrame(w fyne.Window, stderr io.Writer) {
	var once sync.Once
	probe := canvas.NewRaster(func(int, int) image.Image {
		once.Do(func() {
			fmt.Fprintf(stderr, "siegel: first frame drawn %d ms after start\n", time.Since(processStart).Milliseconds())
		})
		return image.NewNRGBA(image.Rect(0, 0, 1, 1))
	})
	probe.Resize(fyne.NewSize(1, 1))
	w.SetContent(container.NewStack(w.Content(), container.NewWithoutLayout(probe)))
}
