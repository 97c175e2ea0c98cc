package transport

import (
	"syscall"
	"unsafe"
)

// hugeFrame is the frame size from which a received body's memory is advised
// to use transparent huge pages.
const hugeFrame = 4 << 20

// adviseHuge asks the kernel to back b with transparent huge pages. A fresh
// 64 MB frame otherwise costs 16,384 page faults, each zeroing 4 KB, before
// the first byte is read into it; with huge pages it costs 32. Only the part of
// b aligned to 2 MB is advised. It is a hint: on kernels where transparent huge
// pages are off the call fails and nothing changes.
func adviseHuge(b []byte) {
	const huge = 2 << 20
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + huge - 1) &^ (huge - 1)
	hi := (start + uintptr(len(b))) &^ (huge - 1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(b[lo-start:hi-start], 14 /* MADV_HUGEPAGE */)
}
