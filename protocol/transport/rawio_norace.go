//go:build !race

package transport

// ioRelease and ioAcquire matter only to the race detector (rawio_race.go).
func ioRelease() {}

func ioAcquire() {}
