package live

import (
	"strconv"
	"testing"
)

// FuzzClientMessage checks that any frame a client sends is either
// refused or decoded, and that a topic accepted by ParseTopic prints back
// to an equivalent topic (so authorisation sees what the client asked).
func FuzzClientMessage(f *testing.F) {
	f.Add([]byte(`{"type":"subscribe","topic":"job:12","last_seq":3}`))
	f.Add([]byte(`{"type":"subscribe","topic":"campaign:-1"}`))
	f.Add([]byte(`{"type":"subscribe","topic":"job:99999999999999999999"}`))
	f.Add([]byte(`{"type":"ping"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeClientMessage(data)
		if err != nil {
			return
		}
		tp, err := ParseTopic(m.Topic)
		if err != nil {
			return
		}
		if tp.ID <= 0 || tp.Kind == "" {
			t.Fatalf("accepted topic %q as %+v", m.Topic, tp)
		}
		again, err := ParseTopic(tp.String())
		if err != nil || again != tp {
			t.Fatalf("%q → %+v → %q → %+v, %v", m.Topic, tp, tp.String(), again, err)
		}
		if _, err := strconv.ParseInt(m.Topic[len(tp.Kind)+1:], 10, 64); err != nil {
			t.Fatalf("topic %q accepted with a bad id", m.Topic)
		}
	})
}
