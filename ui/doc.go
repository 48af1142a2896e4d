// Package ui is ProcLab's window: one Fyne tab per concept, a status bar, and the quit
// sequence. It renders engine events and turns button presses into engine calls; nothing
// it shows is computed here. Widgets change only on the main goroutine (fyne.Do), and
// high-rate streams reach them in batches a few times a second.
package ui
