package qacli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const mini = "../testdata/mini.json"

// run calls Run and returns the exit code and outputs.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsAreOneLineWithCode2(t *testing.T) {
	cases := [][]string{
		{},
		{"bogus"},
		{"train", "--bogus"},
		{"train", "--train", mini},
		{"predict", "--data", mini},
		{"eval", "--model", "m"},
		{"eval", "--model", "m", "--data", mini, "--top-k", "0"},
		{"predict", "--model", "m", "--data", mini, "--corpus", "x.json"},
		{"ask", "--model", "m"},
		{"ask", "--model", "m", "question ?"},
		{"train", "--train", mini, "--out", "x", "--without", "nothing"},
		{"split", "--data", mini},
		{"info"},
		{"train", "--epochs", "abc"},
	}
	for _, args := range cases {
		code, out, errs := run(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if out != "" && len(args) > 0 {
			t.Errorf("%v: unexpected stdout %q", args, out)
		}
		if len(args) > 0 && strings.Count(strings.TrimRight(errs, "\n"), "\n") != 0 {
			t.Errorf("%v: stderr should be one line, got %q", args, errs)
		}
	}
}

func TestHelpListsSubcommands(t *testing.T) {
	code, out, _ := run(t, "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, sub := range []string{"train", "predict", "eval", "ask", "split", "info"} {
		if !strings.Contains(out, "  "+sub+" ") {
			t.Errorf("help does not list %s:\n%s", sub, out)
		}
	}
	if code, out, _ := run(t, "eval", "-h"); code != 0 || !strings.Contains(out, "-open") {
		t.Errorf("eval -h: %d %q", code, out)
	}
}

func TestTrainPredictEvalAsk(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.bin")
	code, _, errs := run(t, "train", "--train", mini, "--dev-fraction", "0.34", "--out", model, "--epochs", "3")
	if code != 0 {
		t.Fatalf("train: %d %s", code, errs)
	}
	if !strings.Contains(errs, "epoch 3/3") || !strings.Contains(errs, "dev EM") {
		t.Errorf("no progress on stderr: %q", errs)
	}

	code, out, errs := run(t, "predict", "--model", model, "--data", mini)
	if code != 0 {
		t.Fatalf("predict: %d %s", code, errs)
	}
	var preds map[string]string
	if err := json.Unmarshal([]byte(out), &preds); err != nil || len(preds) != 24 {
		t.Fatalf("predictions: %v %d", err, len(preds))
	}

	for _, open := range []bool{false, true} {
		args := []string{"eval", "--model", model, "--data", mini}
		if open {
			args = append(args, "--open")
		}
		code, out, errs = run(t, args...)
		if code != 0 {
			t.Fatalf("eval: %d %s", code, errs)
		}
		var res map[string]float64
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"exact_match", "f1", "exact_match_fr", "f1_fr", "count"} {
			if _, ok := res[k]; !ok {
				t.Errorf("eval output lacks %s: %s", k, out)
			}
		}
		_, hasRecall := res["recall_at_5"]
		if hasRecall != open {
			t.Errorf("recall_at_5 present=%v with --open=%v", hasRecall, open)
		}
		if res["count"] != 24 {
			t.Errorf("count %v", res["count"])
		}
	}

	code, out, errs = run(t, "eval", "--baseline", "--data", mini)
	if code != 0 || !strings.Contains(out, "f1_fr") {
		t.Errorf("baseline eval: %d %s %s", code, out, errs)
	}

	code, out, errs = run(t, "ask", "--model", model, "--corpus", mini, "--answers", "2", "Où Marie Curie est-elle née ?")
	if code != 0 || !strings.Contains(out, "1. ") || !strings.Contains(out, "[[") {
		t.Errorf("ask: %d %q %s", code, out, errs)
	}
	idx := filepath.Join(dir, "index")
	for i := 0; i < 2; i++ { // second run reuses the index
		code, out, errs = run(t, "ask", "--model", model, "--index", idx, "--json", mini, "Combien d'écluses compte le canal ?")
		var answers []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &answers) != nil || len(answers) == 0 {
			t.Errorf("ask --json: %d %q %s", code, out, errs)
		}
	}

	code, out, _ = run(t, "info", "--model", model)
	if code != 0 || !strings.Contains(out, "training_data_hash") {
		t.Errorf("info: %d %s", code, out)
	}
}

func TestBadModelAndQuestionAreClearErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.bin")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	code, _, errs := run(t, "eval", "--model", bad, "--data", mini)
	if code != 1 || !strings.Contains(errs, "bad model file") {
		t.Errorf("corrupt model: %d %q", code, errs)
	}
	code, _, errs = run(t, "ask", "--model", bad, "--corpus", mini, "  ")
	if code != 1 || !strings.Contains(errs, "empty question") {
		t.Errorf("empty question: %d %q", code, errs)
	}
	code, _, errs = run(t, "ask", "--model", bad, "--corpus", mini, strings.Repeat("x", 100*1024))
	if code != 1 || !strings.Contains(errs, "too long") {
		t.Errorf("long question: %d %q", code, errs)
	}
	code, _, errs = run(t, "predict", "--model", filepath.Join(dir, "missing"), "--data", mini)
	if code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing model: %d %q", code, errs)
	}
}

func TestSplitWritesDisjointParts(t *testing.T) {
	dir := t.TempDir()
	tr, dv := filepath.Join(dir, "t.json"), filepath.Join(dir, "d.json")
	code, _, errs := run(t, "split", "--data", mini, "--dev-fraction", "0.5", "--train-out", tr, "--dev-out", dv)
	if code != 0 {
		t.Fatalf("split: %d %s", code, errs)
	}
	for _, p := range []string{tr, dv} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s not written", p)
		}
	}
}
