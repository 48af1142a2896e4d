package numfmt

import (
	"math"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 50847534: "50,847,534",
		-1234567: "-1,234,567", -12: "-12", math.MinInt64: "-9,223,372,036,854,775,808"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDigitsGroupsNumbersOfAnySize(t *testing.T) {
	for s, want := range map[string]string{"15241578750190521": "15,241,578,750,190,521", "-123456789": "-123,456,789", "12": "12"} {
		if got := Digits(s); got != want {
			t.Errorf("Digits(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 157 << 20: "157.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 children", 1: "1 child", 2: "2 children", 1500: "1,500 children"} {
		if got := Count(n, "child", "children"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSeconds(t *testing.T) {
	for in, want := range map[float64]string{0: "1 ms", 0.0004: "1 ms", 0.0195: "20 ms", 0.999: "999 ms", 1: "1.0 s", 12.34: "12.3 s"} {
		if got := Seconds(in); got != want {
			t.Errorf("Seconds(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[time.Duration]string{0: "0 µs", 420 * time.Microsecond: "420 µs", 2150 * time.Microsecond: "2.15 ms",
		533200 * time.Microsecond: "533.2 ms", 2020 * time.Millisecond: "2.02 s",
		3 * time.Second: "3 s", time.Minute: "60 s", 60800 * time.Millisecond: "60.80 s"} {
		if got := Duration(in); got != want {
			t.Errorf("Duration(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestVisibleKeepsANameOnOneLine(t *testing.T) {
	for in, want := range map[string]string{"plain.txt": "plain.txt", "line\nbreak.txt": "line⏎break.txt", "tab\there": "tab�here"} {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
}
