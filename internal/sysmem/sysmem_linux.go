package sysmem

import "golang.org/x/sys/unix"

func total() uint64 {
	var in unix.Sysinfo_t
	if unix.Sysinfo(&in) != nil {
		return 0
	}
	return uint64(in.Totalram) * uint64(in.Unit)
}
