module github.com/grpc-lb-lab/cluster/pause

go 1.24
