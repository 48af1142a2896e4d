package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestMeterEmptyPartIsNotTheFillColour(t *testing.T) {
	test.NewTempApp(t)
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	m := newMeter()
	m.Max = 1000
	m.TextFormatter = func() string { return "0 of 1,000" }
	w := test.NewWindow(m)
	w.Resize(fyne.NewSize(300, 40))
	objs := test.WidgetRenderer(m).Objects()
	track, fill, label := objs[0].(*canvas.Rectangle), objs[1].(*canvas.Rectangle), objs[2].(*canvas.Text)
	if fill.Visible() {
		t.Fatalf("an empty meter shows its fill")
	}
	if track.FillColor == fill.FillColor {
		t.Fatalf("track and fill share the colour %v", track.FillColor)
	}
	if label.Text != "0 of 1,000" {
		t.Fatalf("label %q", label.Text)
	}
	m.SetValue(250)
	if !fill.Visible() || fill.Size().Width != track.Size().Width/4 {
		t.Fatalf("a quarter-full meter's fill is %v wide of %v", fill.Size().Width, track.Size().Width)
	}
	m.SetValue(5000) // past Max: full, not wider than the track
	if fill.Size().Width != track.Size().Width {
		t.Fatalf("an over-full meter's fill is %v wide of %v", fill.Size().Width, track.Size().Width)
	}
	m.Max = 0 // an empty range reads as empty, not NaN
	m.Refresh()
	if fill.Visible() {
		t.Fatalf("a meter with an empty range shows its fill")
	}
	w.Close()
	// A long text is cut to the bar, and does not widen it: a split beside it stays put.
	m2 := newMeter()
	short := test.WidgetRenderer(m2).MinSize()
	m2.TextFormatter = func() string { return strings.Repeat("46 of 1,000: 32 waiting, 6 with consumers ", 3) }
	m2.Refresh()
	if test.WidgetRenderer(m2).MinSize() != short {
		t.Fatalf("a long text changed the meter's minimum size from %v to %v", short, test.WidgetRenderer(m2).MinSize())
	}
	w2 := test.NewWindow(m2)
	defer w2.Close()
	w2.Resize(fyne.NewSize(200, 40))
	m2.Refresh()
	cut := test.WidgetRenderer(m2).Objects()[2].(*canvas.Text)
	if !strings.HasSuffix(cut.Text, "…") || fyne.MeasureText(cut.Text, cut.TextSize, cut.TextStyle).Width > m2.Size().Width {
		t.Fatalf("in a %v-wide meter the text is %q", m2.Size().Width, cut.Text)
	}
}
