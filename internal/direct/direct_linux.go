package direct

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// setDirect turns direct writes to f on or off.
func setDirect(f *os.File, on bool) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
		if err != nil {
			serr = err
			return
		}
		if on {
			flags |= unix.O_DIRECT
		} else {
			flags &^= unix.O_DIRECT
		}
		_, serr = unix.FcntlInt(fd, unix.F_SETFL, flags)
	})
	return errors.Join(err, serr)
}

// refused reports whether err is a file system's refusal of a direct write.
func refused(err error) bool { return errors.Is(err, unix.EINVAL) }
