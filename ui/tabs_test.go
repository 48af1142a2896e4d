package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The "How it works" text gives way when the content needs more room, and does not
// take it back when the content needs less: the fields below stay where they are when
// a report appears and goes.
func TestHowItWorksTextDoesNotMoveTheContentBackAndForth(t *testing.T) {
	test.NewTempApp(t)
	head := widget.NewButton("How it works", nil)
	body := widget.NewLabel(strings.Repeat("A line of explanation that wraps. ", 40))
	body.Wrapping = fyne.TextWrapWord
	need := canvas.NewRectangle(nil)
	need.SetMinSize(fyne.NewSize(100, 300))
	content := container.NewStack(need)
	l := &howLayout{head: head, body: body}
	c := container.New(l, container.NewVBox(head, body), content)
	size := fyne.NewSize(700, 600)
	c.Resize(size)
	c.Refresh()
	at := func() float32 { l.Layout(c.Objects, size); return content.Position().Y }
	first := at()
	need.SetMinSize(fyne.NewSize(100, 380)) // a report appears
	grown := at()
	if grown >= first {
		t.Fatalf("the content stayed at y=%v when it needed 80 more; want the text cut to make room", grown)
	}
	need.SetMinSize(fyne.NewSize(100, 300)) // it goes at the next keystroke
	if back := at(); back != grown {
		t.Fatalf("the content moved from y=%v to %v when it needed less again; want it to stay", grown, back)
	}
}
