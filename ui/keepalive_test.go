package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Every Select the tabs are built of is reached, however deep in splits, scrolls,
// cards, forms and tabs: each is one whose menu needs its window.
func TestWalkObjectsReachesEverySelectInTheTabs(t *testing.T) {
	env := newTestEnv(t)
	uiSerial.Lock()
	defer uiSerial.Unlock()
	nested := widget.NewSelect([]string{"a"}, nil)
	inForm := widget.NewSelect([]string{"b"}, nil)
	tree := container.NewAppTabs(container.NewTabItem("t", container.NewHSplit(
		container.NewVScroll(widget.NewCard("", "", container.NewVBox(nested))),
		widget.NewForm(widget.NewFormItem("x", inForm)))))
	seen := map[fyne.CanvasObject]bool{}
	walkObjects(tree, func(o fyne.CanvasObject) { seen[o] = true })
	if !seen[nested] || !seen[inForm] {
		t.Fatalf("walk missed a select: nested %v, in a form %v", seen[nested], seen[inForm])
	}

	// The real tabs: the Queue tab's selects among them.
	content := Build(env, "queue")
	selects := 0
	walkObjects(content, func(o fyne.CanvasObject) {
		if _, ok := o.(*widget.Select); ok {
			selects++
		}
	})
	if selects < 3 {
		t.Fatalf("walked %d selects in the built window; the Queue tab alone has 3 or more", selects)
	}
}
