package message

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"
)

// inspect sets the true type of an attachment from its first bytes and, for
// ZIP-based files, lists entry names without decompressing anything.
func inspect(a *Attachment, b []byte) {
	a.TrueType = sniffType(b)
	switch a.TrueType {
	case "zip":
		if a.Truncated {
			return
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		ooxml := false
		for i, f := range zr.File {
			if i >= 1000 {
				break
			}
			name := strings.ToValidUTF8(f.Name, "\uFFFD")
			a.Entries = append(a.Entries, name)
			if f.Flags&0x1 != 0 {
				a.Encrypted = true
			}
			low := strings.ToLower(name)
			if low == "[content_types].xml" {
				ooxml = true
			}
			if strings.HasSuffix(low, "vbaproject.bin") {
				a.Macros = true
			}
		}
		if ooxml {
			a.TrueType = "ooxml"
		}
	case "ole2":
		if bytes.Contains(b, []byte("_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T")) ||
			bytes.Contains(b, []byte("V\x00B\x00A\x00")) && bytes.Contains(b, []byte("Attribut")) {
			a.Macros = true
		}
	}
}

// sniffType names a file's type from its magic bytes.
func sniffType(b []byte) string {
	has := func(off int, sig string) bool {
		return len(b) >= off+len(sig) && string(b[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "MZ"):
		return "pe-executable"
	case has(0, "\x7fELF"):
		return "elf-executable"
	case has(0, "\xfe\xed\xfa\xce"), has(0, "\xfe\xed\xfa\xcf"), has(0, "\xcf\xfa\xed\xfe"), has(0, "\xce\xfa\xed\xfe"), has(0, "\xca\xfe\xba\xbe"):
		return "macho-executable"
	case has(0, "PK\x03\x04"), has(0, "PK\x05\x06"):
		return "zip"
	case has(0, "Rar!\x1a\x07"):
		return "rar"
	case has(0, "7z\xbc\xaf\x27\x1c"):
		return "7z"
	case has(0, "\x1f\x8b"):
		return "gzip"
	case has(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return "ole2"
	case has(0, "%PDF-"):
		return "pdf"
	case has(0, "{\\rtf"):
		return "rtf"
	case has(0x8001, "CD001"), has(0x8801, "CD001"), has(0x9001, "CD001"):
		return "iso"
	case has(0, "L\x00\x00\x00\x01\x14\x02\x00"):
		return "windows-shortcut"
	case has(0, "\x89PNG"), has(0, "\xff\xd8\xff"), has(0, "GIF8"):
		return "image"
	case has(0, "MSCF"):
		return "cab"
	case has(0, "!<arch>"):
		return "archive"
	}
	head := strings.ToLower(string(b[:min(len(b), 512)]))
	switch {
	case strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") || strings.Contains(head, "<script"):
		return "html"
	case strings.HasPrefix(head, "#!"):
		return "script"
	}
	return "data"
}

// Risky file extensions: programs, scripts and containers that Windows will
// run or mount on a double-click, and macro-enabled Office documents.
var (
	executableExt = set("exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta",
		"ps1", "psm1", "msi", "msix", "dll", "cpl", "jar", "lnk", "reg", "sct", "chm", "appx", "application", "url", "iqy", "one", "xll", "scf", "apk", "dmg", "pkg", "app", "sh")
	macroExt     = set("docm", "dotm", "xlsm", "xltm", "xlam", "pptm", "potm", "ppsm", "sldm")
	containerExt = set("zip", "rar", "7z", "iso", "img", "vhd", "vhdx", "gz", "tgz", "tar", "cab", "ace", "arj", "xz", "bz2")
	documentExt  = set("pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf", "txt", "odt", "jpg", "jpeg", "png", "gif")
)

func set(v ...string) map[string]bool {
	m := make(map[string]bool, len(v))
	for _, s := range v {
		m[s] = true
	}
	return m
}

// Ext returns the lower-cased final extension of a file name, without dot.
func Ext(name string) string {
	e := strings.ToLower(path.Ext(strings.TrimRight(name, " .")))
	return strings.TrimPrefix(e, ".")
}

// Executable reports whether the attachment is or contains a program or
// script that runs when opened.
func (a Attachment) Executable() bool {
	switch a.TrueType {
	case "pe-executable", "elf-executable", "macho-executable", "windows-shortcut":
		return true
	}
	if executableExt[Ext(a.Name)] {
		return true
	}
	for _, e := range a.Entries {
		if executableExt[Ext(e)] {
			return true
		}
	}
	return false
}

// MacroEnabled reports whether the attachment is an Office document that can
// carry macros and does, or is named as macro-enabled.
func (a Attachment) MacroEnabled() bool {
	return a.Macros || macroExt[Ext(a.Name)]
}

// Archive reports whether the attachment is a container (archive or disk image).
func (a Attachment) Archive() bool {
	switch a.TrueType {
	case "zip", "rar", "7z", "gzip", "iso", "cab":
		return true
	}
	return containerExt[Ext(a.Name)]
}

// DoubleExtension reports names such as "CV.pdf.exe" or "job.docx   .scr".
func (a Attachment) DoubleExtension() bool {
	base := strings.TrimSuffix(strings.ToLower(a.Name), "."+Ext(a.Name))
	return executableExt[Ext(a.Name)] && documentExt[Ext(base)]
}

// TypeMismatch reports an attachment whose bytes are a program while its
// name claims a document.
func (a Attachment) TypeMismatch() bool {
	switch a.TrueType {
	case "pe-executable", "elf-executable", "macho-executable":
		return documentExt[Ext(a.Name)] || containerExt[Ext(a.Name)]
	}
	return false
}
