//go:build !linux

package task

import "io/fs"

// keyOf is the part of a file's stat that changes when its content may have.
func keyOf(info fs.FileInfo) statKey {
	return statKey{size: info.Size(), mtime: info.ModTime().UnixNano()}
}
