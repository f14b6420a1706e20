package qa

import (
	"context"
	"sync"
	"sync/atomic"
)

// parallelFor runs fn(i) for i in [0, n) on up to workers goroutines and
// returns ctx's error if it was cancelled. Results must be written by index
// so that the outcome does not depend on scheduling.
func parallelFor(ctx context.Context, n, workers int, fn func(i int)) error {
	if workers < 1 {
		workers = 1
	}
	if workers > n {
		workers = n
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
