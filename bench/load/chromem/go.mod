module github.com/veille/veille/bench/load/chromem

go 1.26.8

require github.com/philippgille/chromem-go v0.7.0
