//go:build !linux

package direct

import (
	"errors"
	"os"
)

// setDirect reports that direct writes are not available here.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }

// refused is never asked: no write is direct here.
func refused(error) bool { return false }
