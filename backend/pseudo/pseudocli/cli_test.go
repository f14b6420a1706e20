package pseudocli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHelpAndUsageErrors(t *testing.T) {
	if code, out, _ := run(t, "", "help"); code != 0 || !strings.Contains(out, "train") || !strings.Contains(out, "eval") {
		t.Errorf("help: %d %q", code, out)
	}
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"detect", "--bogus"},
		{"train", "--out", "x"},
		{"train", "--train", "a.conll"},
		{"eval"},
		{"run", "--operator", "shred"},
		{"run", "--mapping"},
		{"run", "--operator", "hash"},
		{"detect", "stray"},
	} {
		code, _, stderr := run(t, "", args...)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 0 && len(args) > 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	if code, out, _ := run(t, "", "detect", "-h"); code != 0 || !strings.Contains(out, "-model") {
		t.Errorf("detect -h: %d %q", code, out)
	}
}

func TestDetectJSONL(t *testing.T) {
	in := `{"id": "a", "text": "Écrire à M. Jean Dupont, jean.dupont@exemple.fr, tél. 06 12 34 56 78."}` + "\n\n" + `{"id": 2, "text": "Rien ici."}` + "\n"
	code, out, stderr := run(t, in, "detect")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines: %s", len(lines), out)
	}
	var first struct {
		ID       string `json:"id"`
		Entities []struct {
			Start, End          int
			Label, Text, Source string
			Score               float64
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, e := range first.Entities {
		got = append(got, e.Label+":"+e.Text)
		if string([]rune("Écrire à M. Jean Dupont, jean.dupont@exemple.fr, tél. 06 12 34 56 78.")[e.Start:e.End]) != e.Text {
			t.Errorf("offsets of %+v", e)
		}
	}
	if first.ID != "a" || strings.Join(got, "|") != "PER:Jean Dupont|EMAIL:jean.dupont@exemple.fr|PHONE:06 12 34 56 78" {
		t.Errorf("got %s %v", first.ID, got)
	}
	if lines[1] != `{"id":2,"entities":[]}` {
		t.Errorf("second line %s", lines[1])
	}
	if code, _, stderr := run(t, "{not json}\n", "detect"); code != 1 || !strings.Contains(stderr, "line 1") {
		t.Errorf("bad JSON: %d %s", code, stderr)
	}
}

func TestRunOperators(t *testing.T) {
	in := "M. Jean Dupont a écrit. Dupont habite 3 rue des Lilas, 44000 Nantes."
	code, out, stderr := run(t, in, "run")
	if code != 0 || out != "M. A... X... a écrit. X... habite [ADRESSE 1]." {
		t.Errorf("placeholder: %d %q %s", code, out, stderr)
	}
	code, out, _ = run(t, in, "run", "--operator", "redact")
	if code != 0 || out != "M. [...] a écrit. [...] habite [...]." {
		t.Errorf("redact: %q", out)
	}
	t.Setenv(HashKeyEnv, "secret")
	code, out, _ = run(t, in, "run", "--operator", "hash")
	if code != 0 || strings.Contains(out, "Dupont") || !strings.Contains(out, "PER-") {
		t.Errorf("hash: %q", out)
	}
	code, out, _ = run(t, in, "run", "--json", "--mapping")
	var res struct {
		Text    string
		Spans   []map[string]any
		Mapping []map[string]string
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Mapping) == 0 || len(res.Spans) != 3 {
		t.Errorf("json: %q", out)
	}
}

const tinyCoNLL = `Georges B-PER
Duroy I-PER
sortit O
du O
restaurant O
à O
Paris B-LOC
. O

M. B-PER
Forestier I-PER
attendait O
Duroy B-PER
. O

Madame B-PER
Walter I-PER
vit O
Paris B-LOC
et O
Rouen B-LOC
. O
`

func TestTrainEvalDetectWithModel(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "train.conll")
	os.WriteFile(train, []byte(strings.Repeat(tinyCoNLL+"\n", 20)), 0o644)
	model := filepath.Join(dir, "m.model")
	code, out, stderr := run(t, "", "train", "--train", train, "--dev", train, "--out", model, "--epochs", "3", "--synthetic", "20", "--quiet")
	if code != 0 {
		t.Fatalf("train: %d %s", code, stderr)
	}
	if !strings.Contains(out, `"features"`) {
		t.Errorf("report: %s", out)
	}
	code, out, stderr = run(t, "", "eval", "--model", model, "--data", train)
	if code != 0 {
		t.Fatalf("eval: %d %s", code, stderr)
	}
	var ev struct {
		Overall struct{ F1 float64 }
		Labels  map[string]struct{ F1 float64 }
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.Overall.F1 < 0.9 || ev.Labels["PER"].F1 < 0.9 {
		t.Errorf("eval: %s", out)
	}
	code, _, stderr = run(t, `{"id":1,"text":"Georges Duroy vit Paris."}`, "detect", "--model", model)
	if code != 0 {
		t.Errorf("detect: %s", stderr)
	}
	os.WriteFile(model, []byte("garbage"), 0o644)
	if code, _, stderr := run(t, "", "eval", "--model", model, "--data", train); code != 1 || !strings.Contains(stderr, "corrupt") {
		t.Errorf("corrupt model: %d %s", code, stderr)
	}
}
