// Package backup is ProcLab's backup engine: it plans a one-way copy of a source folder
// into a destination (what is new, changed or unchanged), copies the files with a pool of
// worker processes (the app's own binary re-executed in the "backup-worker" role), and
// writes a report and a manifest in the destination's .proclab folder.
//
// Every file is written under a temporary name in its destination folder and renamed into
// place, so an interrupted run leaves no half-written file under a real name, and running
// it again resumes it. A worker that dies has its unfinished files requeued to a
// replacement.
//
// The GUI and the command line render the same Run: Progress snapshots and Events.
// It never imports Fyne: every child pays for what this package imports.
package backup
