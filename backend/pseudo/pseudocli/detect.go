package pseudocli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/lab-ia/piaf/backend/pseudo"
)

type detectIn struct {
	ID   json.RawMessage `json:"id"`
	Text *string         `json:"text"`
}

type detectEntity struct {
	Start  int     `json:"start"`
	End    int     `json:"end"`
	Label  string  `json:"label"`
	Text   string  `json:"text"`
	Score  float64 `json:"score"`
	Source string  `json:"source"`
}

type detectOut struct {
	ID       json.RawMessage `json:"id"`
	Entities []detectEntity  `json:"entities"`
}

func runDetect(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("detect", "[--model MODEL] < in.jsonl > out.jsonl", stdout)
	model := fs.String("model", "", "model file (default: rules and gazetteers only)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "documents detected in parallel")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *workers < 1 {
		return usagef("--workers must be at least 1")
	}
	det, err := loadDetector(*model)
	if err != nil {
		return err
	}
	return detectStream(ctx, det, stdin, stdout, *workers)
}

type job struct {
	line int
	in   detectIn
	out  chan result
}

type result struct {
	b   []byte
	err error
}

// detectStream detects documents in parallel and writes the results in the
// input's order.
func detectStream(ctx context.Context, det *pseudo.Detector, stdin io.Reader, stdout io.Writer, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan job, workers*2)
	order := make(chan chan result, workers*4)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- detectOne(ctx, det, j)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		br := bufio.NewReaderSize(stdin, 1<<16)
		n := 0
		for {
			line, err := br.ReadString('\n')
			if len(line) > 0 {
				n++
				if strings.TrimSpace(line) != "" {
					var in detectIn
					if jerr := json.Unmarshal([]byte(line), &in); jerr != nil {
						readErr <- fmt.Errorf("line %d: invalid JSON: %v", n, jerr)
						return
					}
					if in.Text == nil {
						readErr <- fmt.Errorf(`line %d: missing "text"`, n)
						return
					}
					out := make(chan result, 1)
					select {
					case order <- out:
					case <-ctx.Done():
						return
					}
					jobs <- job{line: n, in: in, out: out}
				}
			}
			if err == io.EOF {
				readErr <- nil
				return
			}
			if err != nil {
				readErr <- err
				return
			}
		}
	}()
	bw := bufio.NewWriterSize(stdout, 1<<16)
	var firstErr error
	for out := range order {
		r := <-out
		if firstErr != nil {
			continue
		}
		if r.err != nil {
			firstErr = r.err
			cancel()
			continue
		}
		bw.Write(r.b)
	}
	wg.Wait()
	if err := bw.Flush(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return firstErr
	}
	select {
	case err := <-readErr:
		return err
	default:
		return ctx.Err()
	}
}

func detectOne(ctx context.Context, det *pseudo.Detector, j job) result {
	ents, err := det.Detect(ctx, *j.in.Text)
	if err != nil {
		return result{err: fmt.Errorf("line %d: %w", j.line, err)}
	}
	out := detectOut{ID: j.in.ID, Entities: make([]detectEntity, len(ents))}
	if len(out.ID) == 0 {
		out.ID = json.RawMessage("null")
	}
	for i, e := range ents {
		out.Entities[i] = detectEntity{Start: e.Start, End: e.End, Label: e.Label, Text: e.Text, Score: math.Round(e.Score*1e4) / 1e4, Source: e.Source}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return result{err: err}
	}
	return result{b: append(b, '\n')}
}
