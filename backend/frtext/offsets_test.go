package frtext

import "testing"

func TestOffsets(t *testing.T) {
	s := "é😀a\u0301b" // é (2 bytes), 😀 (4 bytes, 2 UTF-16), a, combining acute (2 bytes), b
	o := NewOffsets(s)
	if o.Len() != 5 {
		t.Fatalf("Len = %d, want 5", o.Len())
	}
	wantBytes := []int{0, 2, 6, 7, 9, 10}
	wantUTF16 := []int{0, 1, 3, 4, 5, 6}
	for cp := 0; cp <= 5; cp++ {
		if o.Byte(cp) != wantBytes[cp] || o.UTF16(cp) != wantUTF16[cp] {
			t.Errorf("cp %d: byte %d utf16 %d, want %d %d", cp, o.Byte(cp), o.UTF16(cp), wantBytes[cp], wantUTF16[cp])
		}
		if o.FromByte(wantBytes[cp]) != cp || o.FromUTF16(wantUTF16[cp]) != cp {
			t.Errorf("cp %d: FromByte %d FromUTF16 %d", cp, o.FromByte(wantBytes[cp]), o.FromUTF16(wantUTF16[cp]))
		}
	}
	if o.FromUTF16(2) != 1 { // low surrogate of the emoji
		t.Errorf("FromUTF16(2) = %d, want 1", o.FromUTF16(2))
	}
	if o.FromByte(4) != 1 {
		t.Errorf("FromByte inside emoji = %d, want 1", o.FromByte(4))
	}
	if o.Byte(-3) != 0 || o.Byte(99) != len(s) {
		t.Error("offsets are not clamped")
	}
	if Slice(s, 1, 2) != "😀" || Slice(s, 2, 4) != "a\u0301" || Slice(s, 4, 99) != "b" {
		t.Errorf("Slice wrong: %q %q", Slice(s, 1, 2), Slice(s, 2, 4))
	}
}
