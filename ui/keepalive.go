package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// keepCanvasKnown renews, every few seconds, Fyne's note of which window each object of
// w's content is in. Fyne renews that note only while a window is idle; while a tab
// redraws continuously (a running queue) the notes of unchanged widgets expire, are
// dropped at a cache clean and come back at the next frame. A click that lands between
// the two opened a Select's menu on no window and crashed the app (Fyne 2.7.1,
// fyne-io/fyne#5965; fixed upstream after this release). FYNE_CACHE (internal/fynecache)
// sets the expiry: 20 s, so every 5 s keeps them all.
func keepCanvasKnown(env *Env, w fyne.Window) {
	d := fyne.CurrentApp().Driver()
	env.Every(5*time.Second, func() {
		if c := w.Content(); c != nil {
			walkObjects(c, func(o fyne.CanvasObject) { d.CanvasForObject(o) })
		}
	})
}

// walkObjects visits o and what the app's layouts hold inside it: containers and the
// container widgets the tabs are built of. A widget's own parts are Fyne's to keep.
func walkObjects(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	visit(o)
	for _, c := range children(o) {
		walkObjects(c, visit)
	}
}

func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch t := o.(type) {
	case *fyne.Container:
		return t.Objects
	case *container.Split:
		return []fyne.CanvasObject{t.Leading, t.Trailing}
	case *container.Scroll:
		return []fyne.CanvasObject{t.Content}
	case *container.ThemeOverride:
		return []fyne.CanvasObject{t.Content}
	case *widget.Card:
		return []fyne.CanvasObject{t.Content}
	case *container.AppTabs:
		var out []fyne.CanvasObject
		for _, it := range t.Items {
			out = append(out, it.Content)
		}
		return out
	case *widget.Form:
		var out []fyne.CanvasObject
		for _, it := range t.Items {
			out = append(out, it.Widget)
		}
		return out
	}
	return nil
}
