package ui

import (
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Screen is what a tab builds.
type Screen struct {
	Content fyne.CanvasObject
	// Demo, when set, starts something worth a screenshot (children at work, a backup
	// part-way) and returns how long to let it run before the picture is taken.
	Demo func() time.Duration
}

// Tab is one concept: a name for the command line, a title, the "How it works" text
// and the function that builds it (one file per tab, tab_<name>.go).
type Tab struct {
	Name  string
	Title string
	How   string
	Build func(env *Env) Screen
}

// Tabs is the window's table of contents, in display order.
var Tabs = []Tab{
	spawnTab,
	killTab,
	queueTab,
	pipeTab,
	backupTab,
	daemonsTab,
}

// TabNames lists the tabs' command-line names.
func TabNames() []string {
	out := make([]string, len(Tabs))
	for i, t := range Tabs {
		out[i] = t.Name
	}
	return out
}

// FindTab returns the index of the tab called name (case-insensitive), or -1.
func FindTab(name string) int {
	for i, t := range Tabs {
		if strings.EqualFold(t.Name, name) || strings.EqualFold(t.Title, name) {
			return i
		}
	}
	return -1
}

// framed puts the "How it works" panel above a tab's content.
func framed(env *Env, t Tab, content fyne.CanvasObject) fyne.CanvasObject {
	h := env.howPanels()
	head, body, panel := h.add(t.How)
	c := container.New(&howLayout{head: head, body: body}, panel, content)
	h.frames = append(h.frames, c)
	return c
}

// howLayout gives a tab's content the room it needs first: in a small window the "How it
// works" text keeps two lines and scrolls, instead of squeezing the tables and lists
// below it to their headers.
type howLayout struct {
	head *widget.Button
	body *widget.Label

	base, line float32 // a label's height without text, and each line's

	// contentMin is the most the content has needed so far. The text is cut for that,
	// not for what the content needs now: a report appearing, then going at the next
	// keystroke, had moved every field 46 px up and back down under the pointer.
	contentMin float32
}

// howContentRoom is what the content gets beyond its minimum before the text is cut:
// a few rows of its tables and lists.
const howContentRoom = 100

// measure finds a label's line height and padding once: a cut text ends on a whole line.
func (l *howLayout) measure() {
	if l.line == 0 {
		one, two := widget.NewLabel("M").MinSize().Height, widget.NewLabel("M\nM").MinSize().Height
		l.line, l.base = two-one, 2*one-two
	}
}

// cutText is the height that shows n whole lines of a label and no part of the next.
func (l *howLayout) cutText(n float32) float32 { return l.base/2 + n*l.line }

func (l *howLayout) panelHeight(size fyne.Size, content fyne.CanvasObject) float32 {
	h := l.head.MinSize().Height
	if !l.body.Visible() {
		return h
	}
	// A wrapped label's minimum height is for its current width.
	l.body.Resize(fyne.NewSize(size.Width, l.body.Size().Height))
	natural := l.body.MinSize().Height
	l.contentMin = max(l.contentMin, content.MinSize().Height)
	room := size.Height - h - 2*theme.Padding() - l.contentMin - howContentRoom
	if room >= natural {
		return h + theme.Padding() + natural
	}
	lines := max(float32(math.Floor(float64((room-l.cutText(0))/l.line))), 2)
	return h + theme.Padding() + l.cutText(lines)
}

func (l *howLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.measure()
	panel, content := objs[0], objs[1]
	h := l.panelHeight(size, content)
	panel.Move(fyne.NewPos(0, 0))
	panel.Resize(fyne.NewSize(size.Width, h))
	content.Move(fyne.NewPos(0, h+theme.Padding()))
	content.Resize(fyne.NewSize(size.Width, size.Height-h-theme.Padding()))
}

func (l *howLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	l.measure()
	panel, content := objs[0], objs[1]
	h := l.head.MinSize().Height
	if l.body.Visible() {
		h += theme.Padding() + l.cutText(2)
	}
	c := content.MinSize()
	return fyne.NewSize(max(c.Width, panel.MinSize().Width), h+theme.Padding()+c.Height)
}

// prefHowOpen remembers whether the "How it works" panels are open.
const prefHowOpen = "how_it_works_open"

// howPanels are the tabs' "How it works" texts. They open and close together and the
// app remembers which (Preferences): a user who has read them closes them once, and
// every tab gets back the room (about 110 px of a 760 px window), now and next time.
type howPanels struct {
	open   bool
	prefs  fyne.Preferences
	heads  []*widget.Button
	bodies []*widget.Label
	frames []*fyne.Container // laid out again when the texts open or close
}

func (e *Env) howPanels() *howPanels {
	if e.how == nil {
		prefs := e.App.Preferences()
		e.how = &howPanels{open: prefs.BoolWithFallback(prefHowOpen, true), prefs: prefs}
	}
	return e.how
}

// add makes one tab's panel: a header that opens and closes all of them, and the text,
// which scrolls when howLayout cuts it.
func (h *howPanels) add(text string) (*widget.Button, *widget.Label, fyne.CanvasObject) {
	body := widget.NewLabel(strings.TrimSpace(text))
	body.Wrapping = fyne.TextWrapWord
	head := widget.NewButton("How it works", h.toggle)
	head.Importance = widget.LowImportance
	head.Alignment = widget.ButtonAlignLeading
	h.heads = append(h.heads, head)
	h.bodies = append(h.bodies, body)
	h.show(len(h.heads) - 1)
	return head, body, container.NewBorder(head, nil, nil, nil, container.NewVScroll(body))
}

func (h *howPanels) toggle() {
	h.open = !h.open
	h.prefs.SetBool(prefHowOpen, h.open)
	for i := range h.heads {
		h.show(i)
	}
	for _, f := range h.frames {
		f.Refresh()
	}
}

func (h *howPanels) show(i int) {
	if h.open {
		h.heads[i].SetIcon(theme.MenuDropUpIcon())
		h.bodies[i].Show()
	} else {
		h.heads[i].SetIcon(theme.MenuDropDownIcon())
		h.bodies[i].Hide()
	}
}

// placeholder is what a tab shows until it is built.
func placeholder(text string) Screen {
	l := widget.NewLabel(strings.TrimSpace(text))
	l.Wrapping = fyne.TextWrapWord
	return Screen{Content: container.NewVBox(l)}
}

// boldLabel is a heading label: a row's name, a list's or a table's title.
func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// setText changes l only when the text differs. Each Refresh repaints the whole window,
// and the views' ticks run several times a second whether or not anything moved: an
// idle window should cost nothing.
func setText(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

// setEnabled enables ws, or disables them.
func setEnabled(on bool, ws ...fyne.Disableable) {
	for _, w := range ws {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

// fullLine goes under a list whose rows are cut short: a click on a row shows it there
// in full, wrapped (show sets it).
func fullLine() (line *widget.Label, show func(text string)) {
	line = widget.NewLabel("")
	line.Wrapping = fyne.TextWrapWord
	clearFullLine(line)
	return line, func(text string) {
		line.Importance = widget.MediumImportance
		line.SetText(text)
	}
}

// clearFullLine puts a fullLine back to its hint.
func clearFullLine(line *widget.Label) {
	line.Importance = widget.LowImportance
	line.SetText("Click a row to read it in full.")
}

// tableColumn is a plain (not sortable) table column: its header and width.
type tableColumn struct {
	title string
	width float32
}

// setColumns gives t a bold header row with the columns' titles, and their widths.
func setColumns(t *widget.Table, cols []tableColumn) {
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject { return boldLabel("") }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(cols) {
			o.(*widget.Label).SetText(cols[id.Col].title)
		}
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
}

// followed keeps a list's newest row in view across resizes while follow says so: a list
// that shrinks (a panel opened above it) keeps its scroll offset and hid the newest rows.
func followed(l *widget.List, follow func() bool) fyne.CanvasObject {
	return container.New(&followLayout{list: l, follow: follow}, l)
}

type followLayout struct {
	list   *widget.List
	follow func() bool
	height float32
}

func (f *followLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
	if size.Height != f.height {
		f.height = size.Height
		if f.follow() {
			f.list.ScrollToBottom()
		}
	}
}

func (f *followLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[0].MinSize() }

// isDone says whether ch is closed, without waiting.
func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
