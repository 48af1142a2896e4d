package applog

import (
	"context"
	"log"
	"log/slog"
	"testing"
)

// Fyne's LogError writes three lines in three calls: they make one warning with its
// cause and place, and the next line is a record of its own.
func TestStdLogJoinsIndentedLinesToTheirRecord(t *testing.T) {
	lg := openTemp(t, Options{Path: ""})
	w := StdLog(lg.Logger())
	std := log.New(w, "", 0)
	std.Printf("Fyne error: %s", "Unable to connect to session D-Bus")
	std.Printf("  Cause: %s", `exec: "dbus-launch": executable file not found in $PATH`)
	std.Printf("  At: %s:%d", "/root/go/pkg/mod/fyne.io/fyne/v2@v2.7.1/app/app_xdg.go", 72)
	std.Print("a plain line")
	w.Flush()
	lg.Flush(context.Background())
	got := lg.Since(0)
	if len(got) != 2 {
		t.Fatalf("%d records, want 2: %+v", len(got), got)
	}
	first := got[0]
	if first.Level != slog.LevelWarn || first.Msg != "Fyne error: Unable to connect to session D-Bus" {
		t.Errorf("first record %v %q, want a warning with Fyne's message", first.Level, first.Msg)
	}
	if want := `cause="exec: \"dbus-launch\": executable file not found in $PATH" at=/root/go/pkg/mod/fyne.io/fyne/v2@v2.7.1/app/app_xdg.go:72`; first.Attrs != want {
		t.Errorf("the warning's attributes are %s\nwant %s", first.Attrs, want)
	}
	if got[1].Level != slog.LevelInfo || got[1].Msg != "a plain line" {
		t.Errorf("second record %v %q", got[1].Level, got[1].Msg)
	}
}
