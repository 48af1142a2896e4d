package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// flowLayout places objects left to right at their natural size and starts a new line
// when the next one does not fit, as words in a paragraph: a row of controls that is
// wider than a small window wraps instead of overlapping what is beside it.
type flowLayout struct {
	width float32 // the width it was last laid out at; 0 before the first layout
	lines int
	// reflow is called when the number of lines changes: the parent container must lay
	// itself out again to give the new height.
	reflow func()
}

// newFlow returns a container whose objects flow, calling reflow when its height changes.
func newFlow(reflow func(), objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&flowLayout{reflow: reflow}, objs...)
}

// place returns each visible object's position at width, and the height they take.
func (f *flowLayout) place(objs []fyne.CanvasObject, width float32) (pos []fyne.Position, height float32, lines int) {
	pad := theme.Padding()
	var x, y, lineH float32
	for _, o := range objs {
		if !o.Visible() {
			pos = append(pos, fyne.Position{})
			continue
		}
		s := o.MinSize()
		if x > 0 && x+s.Width > width {
			x, y, lineH = 0, y+lineH+pad, 0
		}
		if x == 0 {
			lines++
		}
		pos = append(pos, fyne.NewPos(x, y))
		x += s.Width + pad
		lineH = max(lineH, s.Height)
	}
	return pos, y + lineH, lines
}

func (f *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Width <= 0 {
		return // not placed yet: Add lays a new container out at size 0
	}
	f.width = size.Width
	pos, _, lines := f.place(objs, size.Width)
	for i, o := range objs {
		if o.Visible() {
			o.Move(pos[i])
			o.Resize(o.MinSize())
		}
	}
	if lines != f.lines {
		first := f.lines == 0 && lines == 1
		f.lines = lines
		if !first && f.reflow != nil {
			fyne.Do(f.reflow)
		}
	}
}

// MinSize is as narrow as the widest object, and as high as the lines it took at the
// width it was last given (one line before it was given any).
func (f *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w float32
	for _, o := range objs {
		if o.Visible() {
			w = max(w, o.MinSize().Width)
		}
	}
	width := f.width
	if width == 0 {
		width = float32(1 << 20)
	}
	_, h, _ := f.place(objs, max(width, w))
	return fyne.NewSize(w, h)
}

// linesTall is an empty object as tall as a label of n lines: stacked under a label, it
// keeps the label's room when its text is shorter, so what is below does not jump.
func linesTall(n int) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, widget.NewLabel(strings.Repeat("M\n", n-1)+"M").MinSize().Height))
	return r
}
