package console

import (
	"os"

	"golang.org/x/sys/windows"
)

// ProcLab.exe is a GUI-subsystem program (no console window when double-clicked), so
// Windows gives it no console even when it is started from cmd.exe or PowerShell. A
// command-line run attaches to the parent's console, when there is one, so its output
// reaches the user; double-clicked, there is none and nothing opens.
func Attach() {
	const attachParentProcess = ^uint32(0) // ATTACH_PARENT_PROCESS
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if proc.Find() != nil {
		return
	}
	if r, _, _ := proc.Call(uintptr(attachParentProcess)); r == 0 {
		return // no parent console: double-clicked, or output already redirected
	}
	// Handles that were already valid (redirected to a file or pipe) stay as they are.
	if !validHandle(windows.STD_OUTPUT_HANDLE) || !validHandle(windows.STD_ERROR_HANDLE) {
		if out, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
			if !validHandle(windows.STD_OUTPUT_HANDLE) {
				os.Stdout = out
			}
			if !validHandle(windows.STD_ERROR_HANDLE) {
				os.Stderr = out
			}
		}
	}
}

func validHandle(std uint32) bool {
	h, err := windows.GetStdHandle(std)
	return err == nil && h != 0 && h != windows.InvalidHandle
}
