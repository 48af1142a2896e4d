// Package plainlocale stops a spurious error at every start under the C.UTF-8 locale
// (the default of many containers and CI machines): Fyne reads "C" as a language tag,
// cannot parse it, and logs "Error parsing user locale C" from its package init. Under
// C.UTF-8 the user asked for no translation, so LANGUAGE=en says the same thing in a
// form Fyne understands. main imports this package for its side effect; it depends only
// on os and strings, so Go initialises it long before Fyne's lang package.
package plainlocale

import (
	"os"
	"strings"
)

func init() {
	if os.Getenv("LANGUAGE") != "" {
		return
	}
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		v := os.Getenv(k)
		if v == "" {
			continue
		}
		if base, _, _ := strings.Cut(v, "."); base == "C" || base == "POSIX" {
			os.Setenv("LANGUAGE", "en")
		}
		return
	}
}
