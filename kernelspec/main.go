package kernelspec

import "errors"

// Main runs the install command. PLACEHOLDER: replaced by the real installer.
func Main(args []string) error { return errors.New("install: not built yet") }
