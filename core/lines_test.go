package core

import (
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestEachLine(t *testing.T) {
	long := strings.Repeat("x", 2500)
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one\ntwo\r\n\nlast without end", []string{"one", "two", "", "last without end"}},
		{"panic: boom\n\ngoroutine 1 [running]:\n", []string{"panic: boom", "", "goroutine 1 [running]:"}},
		{long + "\nshort\n", []string{long[:1000], long[1000:2000], long[2000:], "short"}},
	}
	for _, tc := range cases {
		// All at once and one byte per read: lines cut across reads come out whole.
		for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
			var got []string
			eachLine(r, 1000, func(l string) { got = append(got, l) })
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("eachLine(%.40q) = %q, want %q", tc.in, got, tc.want)
			}
		}
	}
}
