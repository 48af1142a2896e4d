package ui

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// Shot renders the window's content, open on one tab, through Fyne's software canvas
// (no display needed: under Xvfb the GL canvas captures blank) and writes a PNG. A tab's
// Demo runs first so the picture shows it at work. A blank render is an error.
func Shot(o Options, tab, out string, size fyne.Size) error {
	i := FindTab(tab)
	if i < 0 {
		return fmt.Errorf("no tab %q", tab)
	}
	a := test.NewApp()
	defer a.Quit()
	// The app's own look (Fyne's theme, dark as the window opens here), not the test
	// driver's orange one: the pictures are what people will see.
	a.Settings().SetTheme(theme.DefaultTheme())
	env := newEnv(a, nil, o)
	defer env.beginQuit()
	c := software.NewCanvas()
	// The test app runs fyne.Do inline on whichever goroutine calls it, so the tabs'
	// updates (Every, Env.Do) hold uiSerial; this goroutine holds it too while it touches
	// widgets. No DoAndWait here: it is an error on the main goroutine.
	uiSerial.Lock()
	content, demo := buildForShot(env, i)
	c.SetContent(content)
	c.Resize(size)
	var wait time.Duration
	if demo != nil {
		wait = demo()
	}
	uiSerial.Unlock()
	time.Sleep(wait)
	uiSerial.Lock()
	c.Content().Refresh()
	img := c.Capture()
	uiSerial.Unlock()
	if blank(img) {
		return fmt.Errorf("the %s tab rendered blank; no picture written", tab)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}

// buildForShot builds the whole window content with tab i selected, and returns that
// tab's demo. The window is built once, so the demo drives the same widgets on screen.
func buildForShot(env *Env, i int) (fyne.CanvasObject, func() time.Duration) {
	var demo func() time.Duration
	orig := Tabs[i].Build
	Tabs[i].Build = func(env *Env) Screen {
		s := orig(env)
		demo = s.Demo
		return s
	}
	defer func() { Tabs[i].Build = orig }()
	return Build(env, Tabs[i].Name), demo
}

// blank reports an image of one colour.
func blank(img image.Image) bool {
	if img == nil {
		return true
	}
	b := img.Bounds()
	if b.Empty() {
		return true
	}
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, _ := first.RGBA()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, _ := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bb != b0 {
				return false
			}
		}
	}
	return true
}
