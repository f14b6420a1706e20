package squad

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const sample = `{"version": "1.1", "data": [{"title": "Sport", "categorie": "Sport", "paragraphs": [
 {"context": "L'\u00e9t\u00e9 2003 fut chaud.", "qas": [{"id": "q1", "question": "Quand ?", "answers": [{"answer_start": 2, "text": "\u00e9t\u00e9 2003"}]}]}]},
 {"title": "B", "paragraphs": []}], "extra": {"x": [1, 2]}}`

func TestReadAndStreamAgree(t *testing.T) {
	d, err := Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != "1.1" || len(d.Data) != 2 || d.Data[0].Category != "Sport" || d.Data[0].Paragraphs[0].QAs[0].Answers[0].Text != "été 2003" {
		t.Fatalf("unexpected dataset %+v", d)
	}
	var titles []string
	v, err := Stream(strings.NewReader(sample), func(a Article) error { titles = append(titles, a.Title); return nil })
	if err != nil || v != "1.1" || strings.Join(titles, ",") != "Sport,B" {
		t.Fatalf("Stream: %v %q %v", err, v, titles)
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	d2, err := Read(&buf)
	if err != nil || d2.Data[0].Paragraphs[0].Context != d.Data[0].Paragraphs[0].Context {
		t.Fatalf("round trip: %v", err)
	}
}

func TestBadInputsAreFormatErrors(t *testing.T) {
	for _, in := range []string{"", "[]", `{"version": "1.1"}`, `{"data": [{"paragraphs": [{"qas": [{"question": "x"}]}]}]}`, "{\"data\": [1"} {
		if _, err := Read(strings.NewReader(in)); !errors.Is(err, ErrFormat) {
			t.Errorf("Read(%q) = %v, want ErrFormat", in, err)
		}
	}
	if _, err := Stream(strings.NewReader(`{"version": "1"}`), func(Article) error { return nil }); !errors.Is(err, ErrFormat) {
		t.Errorf("Stream without data = %v", err)
	}
	stop := errors.New("stop")
	if _, err := Stream(strings.NewReader(sample), func(Article) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("Stream must return fn's error, got %v", err)
	}
}

func TestPredictionsRoundTrip(t *testing.T) {
	p := Predictions{"b": "l'État <fort>", "a": "14,2 milliards"}
	var buf bytes.Buffer
	if err := WritePredictions(&buf, p); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"a": "14,2 milliards",`) || !strings.Contains(buf.String(), "<fort>") {
		t.Errorf("unexpected output %s", buf.String())
	}
	q, err := ReadPredictions(&buf)
	if err != nil || q["b"] != p["b"] || len(q) != 2 {
		t.Fatalf("round trip: %v %v", err, q)
	}
}
