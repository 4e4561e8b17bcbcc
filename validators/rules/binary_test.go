package rules

import "testing"

func TestBinaryKind(t *testing.T) {
	for _, tc := range []struct{ path, data, want string }{
		{"a.png", "\x89PNG\r\n\x1a\n\x00\x00", "image"},
		{"a.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF", "image"},
		{"a.gif", "GIF89a\x01\x00", "image"},
		{"a.woff2", "wOF2\x00\x01", "font"},
		{"a.zip", "PK\x03\x04\x14\x00", "archive"},
		{"de_DE.mo", "\xde\x12\x04\x95\x00\x00\x00\x00", "gettext catalogue"},
		{"de_DE.po", "# German\nmsgid \"\"\nmsgstr \"\"\n", "gettext catalogue"},
		{"a.wasm", "\x00asm\x01\x00\x00\x00", "executable"},
		{"a.png", "api_key = \"not an image at all\"\n", ""},
		{"notes.po", "just text\n", ""},
		{"a.txt", "MZ is a fine way to start a note\n", ""},
	} {
		if got := BinaryKind(tc.path, []byte(tc.data)); got != tc.want {
			t.Errorf("BinaryKind(%s, %q) = %q, want %q", tc.path, tc.data, got, tc.want)
		}
	}
}
