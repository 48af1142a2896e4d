// Package core is ProcLab's process engine. In the parent it starts children by
// re-executing the app's own binary in a named role, supervises them (state, exit reason,
// stderr), and stops them politely or by force. In the child it runs the role: frames
// out on the real stdout, requests in on stdin, exit when the parent goes away.
//
// It never imports Fyne, and it stays light: every child pays for what it imports.
package core
