//go:build !linux

package transport

const hugeFrame = 1 << 62

func adviseHuge([]byte) {}
