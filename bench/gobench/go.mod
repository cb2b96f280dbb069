module github.com/libmbuf/libmbuf/bench/gobench

go 1.26.3

require github.com/libmbuf/libmbuf v0.0.0

require (
	golang.org/x/exp v0.0.0-20250711185948-6ae5c78190dc // indirect
	golang.org/x/sys v0.43.0 // indirect
	golang.org/x/time v0.15.0 // indirect
	gvisor.dev/gvisor v0.0.0-20260905035102-160fafc42237
)

replace github.com/libmbuf/libmbuf => ../..
