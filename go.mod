module github.com/ntfsedit/ntfsedit

go 1.26.8

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	www.velocidex.com/golang/go-ntfs v0.2.1 // indirect
)
