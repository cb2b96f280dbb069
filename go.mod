module github.com/libmbuf/libmbuf

go 1.26
