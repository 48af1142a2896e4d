package core

import "os"

// polledStdin: Windows pipes have no readiness polling; a blocking read it is.
func polledStdin() *os.File { return os.Stdin }
