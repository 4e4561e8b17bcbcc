package rules

import "bytes"

// BinaryKind names the kind of a file that is not text, judged by its
// first bytes (not its name, so that a text file named .png is still read
// as text): "image", "font", "archive", "gettext catalogue", "media",
// "executable", or "" for anything else. A compiled translation catalogue
// (.mo) holds the same strings as its .po source; a .po or .pot file, text
// made of msgid and msgstr entries, is a "gettext catalogue" too.
func BinaryKind(path string, data []byte) string {
	has := func(prefix string) bool { return bytes.HasPrefix(data, []byte(prefix)) }
	switch {
	case has("\x89PNG\r\n\x1a\n"), has("\xff\xd8\xff"), has("GIF87a"), has("GIF89a"), has("\x00\x00\x01\x00"),
		len(data) > 12 && has("RIFF") && string(data[8:12]) == "WEBP", has("II*\x00"), has("MM\x00*"):
		return "image"
	case has("wOFF"), has("wOF2"), has("\x00\x01\x00\x00\x00"), has("OTTO"), has("true\x00"),
		len(data) > 36 && string(data[34:36]) == "LP" && kindExt(path) == "eot":
		return "font"
	case has("PK\x03\x04"), has("\x1f\x8b"), has("BZh"), has("\xfd7zXZ\x00"), has("7z\xbc\xaf\x27\x1c"), has("Rar!"):
		return "archive"
	case has("\xde\x12\x04\x95"), has("\x95\x04\x12\xde"):
		return "gettext catalogue"
	case has("ID3"), has("OggS"), has("fLaC"), len(data) > 12 && has("RIFF") && (string(data[8:12]) == "WAVE" || string(data[8:12]) == "AVI "),
		len(data) > 8 && string(data[4:8]) == "ftyp", has("\x1aE\xdf\xa3"):
		return "media"
	case has("\x7fELF"), has("\x00asm"), has("MZ") && kindExt(path) != "txt":
		return "executable"
	}
	if e := kindExt(path); (e == "po" || e == "pot") && bytes.Contains(data[:min(len(data), 4096)], []byte("msgid ")) {
		return "gettext catalogue"
	}
	return ""
}

func kindExt(p string) string { return ext(p) }
