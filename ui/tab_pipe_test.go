package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func (v *pipeView) look(fn func()) {
	v.tickMu.Lock()
	defer v.tickMu.Unlock()
	fn()
}

// reply waits for the reply on the row of cmd (the latest such row) and returns it.
func (v *pipeView) waitReply(t *testing.T, cmd string) pipeRow {
	t.Helper()
	var got pipeRow
	eventually(t, "a reply to "+cmd, func() bool {
		ok := false
		v.look(func() {
			for i := len(v.rows) - 1; i >= 0; i-- {
				if v.rows[i].cmd == cmd {
					got, ok = v.rows[i], v.rows[i].done
					return
				}
			}
		})
		return ok
	})
	return got
}

func (v *pipeView) sendText(cmd string) {
	v.look(func() {
		v.cmd.SetText(cmd)
		test.Tap(v.send)
	})
}

func TestPipeTabConversationCrashAndNewPeer(t *testing.T) {
	env := newTestEnv(t)
	v := newPipeView(env)
	env.Window.SetContent(v.content)

	v.look(func() {
		if !v.send.Disabled() {
			t.Error("Send is enabled with no command typed")
		}
	})
	v.sendText("square 12")
	if r := v.waitReply(t, "square 12"); r.err || !strings.Contains(r.reply, "144") {
		t.Fatalf("square 12 → %+v", r)
	}
	v.look(func() {
		if v.cmd.Text != "" {
			t.Errorf("after a send the command field holds %q; the next command typed would run on from it", v.cmd.Text)
		}
		if !v.send.Disabled() {
			t.Error("Send is enabled in the emptied field")
		}
	})
	v.sendText("sleep 30")
	eventually(t, "sleep 30 in flight", func() bool { return v.current().Pending() == 1 })
	v.sendText("crash")
	for _, cmd := range []string{"sleep 30", "crash"} {
		if r := v.waitReply(t, cmd); !r.err || !strings.Contains(r.reply, "died first") {
			t.Fatalf("%s after the crash → %+v, want a clear error", cmd, r)
		}
	}
	eventually(t, "the peer state to say it crashed", func() bool {
		var s string
		v.look(func() { s = v.peerState.Text })
		return strings.Contains(s, "crashed") && strings.Contains(s, "next command starts a new peer")
	})
	v.look(func() {
		if v.peerState.Importance != widget.DangerImportance {
			t.Errorf("a crashed peer's line has importance %v, want danger", v.peerState.Importance)
		}
	})
	dead := v.current().PID()
	v.sendText("square 4") // as at the start: a command starts a peer when none is alive
	if r := v.waitReply(t, "square 4"); r.err || !strings.Contains(r.reply, "16") || r.peer == dead {
		t.Fatalf("square 4 after the crash → %+v, want 16 from a new peer", r)
	}
	v.look(func() {
		v.list.Select(len(v.rows) - 1)
		// #4: the numbers go on from the dead peer's three (square 12, sleep 30, crash).
		if !strings.HasPrefix(v.detail.Text, "→ #4  square 4  ←") {
			t.Errorf("the selected row in full: %q", v.detail.Text)
		}
	})
	old := v.current().PID()
	v.look(func() { test.Tap(v.restart) })
	eventually(t, "a new peer", func() bool { p := v.current(); return p != nil && p.PID() != old })
	v.sendText("echo after the crash")
	if r := v.waitReply(t, "echo after the crash"); r.err || !strings.Contains(r.reply, "after the crash") {
		t.Fatalf("echo on the new peer → %+v", r)
	}
	v.look(func() { test.Tap(v.kill) })
	eventually(t, "the killed peer's line", func() bool {
		var s string
		v.look(func() { s = v.peerState.Text })
		return strings.Contains(s, "killed by user")
	})
	v.look(func() {
		if v.peerState.Importance != widget.MediumImportance {
			t.Errorf("a peer the user killed is shown with importance %v, as if it had failed", v.peerState.Importance)
		}
	})
	v.look(func() {
		v.pingN.SetSelected("100")
		test.Tap(v.ping)
	})
	eventually(t, "ping-pong percentiles", func() bool {
		var s string
		v.look(func() { s = v.pingResult.Text })
		return strings.Contains(s, "100 round trips: p50")
	})
	v.look(func() {
		if last := v.rows[len(v.rows)-1]; !strings.Contains(last.note, "ping-pong: 100 round trips, each with its own request number") {
			t.Errorf("the list's last row after a ping-pong is %+v, want the note that explains the numbers it used", last)
		}
	})
}

func TestPipeTabRepliesFindTheirRequests(t *testing.T) {
	env := newTestEnv(t)
	v := newPipeView(env)
	env.Window.SetContent(v.content)
	v.sendText("sleep 0.5")
	eventually(t, "the peer", func() bool { return v.current() != nil })
	v.sendText("sha256 abc")
	v.sendText("square 3")
	if r := v.waitReply(t, "square 3"); !strings.Contains(r.reply, "3² = 9") {
		t.Fatalf("square 3 → %+v", r)
	}
	if r := v.waitReply(t, "sha256 abc"); !strings.Contains(r.reply, "ba7816bf") {
		t.Fatalf("sha256 abc → %+v", r)
	}
	if r := v.waitReply(t, "sleep 0.5"); !strings.Contains(r.reply, "slept 500.0 ms") {
		t.Fatalf("sleep 0.5 → %+v", r)
	}
}

// A note about the peer spans the row; a request and its reply share it in two columns.
func TestPipeNotesUseTheWholeRow(t *testing.T) {
	env := newTestEnv(t)
	onUI(env, func() {
		v := newPipeView(env)
		v.addNote("— peer PID 4242 crashed: panic: simulated crash: the peer was asked to crash —")
		row := v.list.CreateItem()
		row.Resize(fyne.NewSize(1000, row.MinSize().Height))
		v.list.UpdateItem(0, row)
		shown := findObject(row, func(o fyne.CanvasObject) bool {
			l, ok := o.(*widget.Label)
			return ok && l.Visible() && strings.Contains(l.Text, "peer PID 4242 crashed")
		})
		if shown == nil {
			t.Fatal("the note is not shown in its row")
		}
		if w := shown.Size().Width; w < 900 {
			t.Fatalf("the note is %v px wide in a 1000 px row; want the whole row", w)
		}
	})
}
