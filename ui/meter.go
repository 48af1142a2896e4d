package ui

import (
	"image/color"
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// meter is a progress bar whose empty part reads as empty. Fyne's ProgressBar draws
// its track in the fill colour at half alpha, and on the dark theme an empty bar
// ("0 of 1,000") looked full. Same fields as widget.ProgressBar, so the tabs use it
// the same way.
type meter struct {
	widget.BaseWidget
	Min, Max, Value float64
	// TextFormatter gives the bar's text; nil shows the percentage.
	TextFormatter func() string
}

func newMeter() *meter {
	m := &meter{Max: 1}
	m.ExtendBaseWidget(m)
	return m
}

// SetValue sets the value and redraws.
func (m *meter) SetValue(v float64) {
	m.Value = v
	m.Refresh()
}

// fraction is how full the bar is, 0 to 1 (0 for a range that is empty or not a number).
func (m *meter) fraction() float32 {
	span := m.Max - m.Min
	f := (m.Value - m.Min) / span
	if span <= 0 || math.IsNaN(f) {
		return 0
	}
	return float32(min(max(f, 0), 1))
}

func (m *meter) text() string {
	if m.TextFormatter != nil {
		return m.TextFormatter()
	}
	return strconv.Itoa(int(m.fraction()*100)) + "%"
}

func (m *meter) CreateRenderer() fyne.WidgetRenderer {
	m.ExtendBaseWidget(m)
	r := &meterRenderer{m: m, track: canvas.NewRectangle(color.Transparent), fill: canvas.NewRectangle(color.Transparent),
		label: canvas.NewText("", color.Black)}
	r.label.Alignment = fyne.TextAlignCenter
	r.Refresh()
	return r
}

type meterRenderer struct {
	m           *meter
	track, fill *canvas.Rectangle
	label       *canvas.Text
}

func (r *meterRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.track, r.fill, r.label}
}

func (r *meterRenderer) Destroy() {}

func (r *meterRenderer) MinSize() fyne.Size {
	// As wide as "100%", whatever the text: a text that sized the bar moved a split's
	// divider each time it grew (Queue's depth) and a worker's bar with each file name.
	// A text too long for the bar is cut with an ellipsis instead.
	th := r.m.Theme()
	pad := th.Size(theme.SizeNameInnerPadding) * 2
	return fyne.MeasureText("100%", th.Size(theme.SizeNameText), fyne.TextStyle{}).AddWidthHeight(pad, pad)
}

// fit cuts text to width w with an ellipsis.
func fit(text string, w, size float32) string {
	if text == "" || fyne.MeasureText(text, size, fyne.TextStyle{}).Width <= w {
		return text
	}
	runes := []rune(text)
	lo, hi := 0, len(runes) // the longest prefix that fits with "…" is in [lo, hi)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fyne.MeasureText(string(runes[:mid])+"…", size, fyne.TextStyle{}).Width <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(runes[:lo]) + "…"
}

func (r *meterRenderer) Layout(size fyne.Size) {
	r.track.Resize(size)
	r.track.Move(fyne.NewPos(0, 0))
	r.fill.Resize(fyne.NewSize(size.Width*r.m.fraction(), size.Height))
	r.fill.Move(fyne.NewPos(0, 0))
	r.label.Resize(size)
	r.label.Move(fyne.NewPos(0, 0))
	pad := r.m.Theme().Size(theme.SizeNameInnerPadding) * 2
	r.label.Text = fit(r.m.text(), size.Width-pad, r.label.TextSize)
}

func (r *meterRenderer) Refresh() {
	th := r.m.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	radius := th.Size(theme.SizeNameInputRadius)
	// The track is the input fields' background with their border: empty, on either theme.
	r.track.FillColor = th.Color(theme.ColorNameInputBackground, v)
	r.track.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	r.track.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	r.track.CornerRadius = radius
	r.fill.FillColor = th.Color(theme.ColorNamePrimary, v)
	r.fill.Hidden = r.m.fraction() == 0
	r.fill.CornerRadius = radius
	r.label.Color = th.Color(theme.ColorNameForeground, v)
	r.label.TextSize = th.Size(theme.SizeNameText)
	r.Layout(r.m.Size())
	r.track.Refresh()
	r.fill.Refresh()
	r.label.Refresh()
}
