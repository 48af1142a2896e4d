// Package numfmt writes numbers for people, the same way in the engine's sentences, the
// command line and the window.
package numfmt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Thousands writes n with comma separators: 1234567 → 1,234,567. Any signed integer
// type: counts are ints, sizes int64.
func Thousands[N ~int | ~int8 | ~int16 | ~int32 | ~int64](n N) string {
	return Digits(strconv.FormatInt(int64(n), 10))
}

// Digits groups a whole number written in decimal, of any size, in threes:
// "-15241578750190521" → "-15,241,578,750,190,521".
func Digits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	b := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return sign + string(b)
}

// Bytes writes n in binary units: 512 B, 1.5 KiB, 157.0 MiB.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Count writes n with its noun, singular or plural: "1 child", "3 children", "0 requests".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// Seconds is a run's duration for people: "1.4 s", and "40 ms" below a second, where
// "0.0 s" would say nothing took no time.
func Seconds(s float64) string {
	if s < 1 {
		return fmt.Sprintf("%d ms", max(1, int(s*1000+0.5)))
	}
	return fmt.Sprintf("%.1f s", s)
}

// Duration is a short time for people, in one style across the app: "420 µs",
// "2.15 ms", "533.2 ms", "2.02 s" (Go's own "533.2ms" and "2.02s" differ from "3 s").
// A whole number of seconds, as a setting is ("grace 3 s", "limit 60 s"), has no
// decimals; a measured time is never exactly one.
func Duration(d time.Duration) string {
	switch {
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	case d < time.Millisecond:
		return fmt.Sprintf("%d µs", d.Round(time.Microsecond)/time.Microsecond)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// Visible shows a name's control characters (a newline is legal in a file name) as
// symbols, so a name stays on its line: a newline as ⏎, any other as �.
func Visible(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return '⏎'
		case unicode.IsControl(r):
			return '�'
		}
		return r
	}, s)
}
