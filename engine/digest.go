package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
)

// digestFiles returns a digest of the names and contents of files. A file
// that cannot be read contributes its name and the error, so a deleted
// helper changes the digest too.
func digestFiles(files []string) string {
	h := sha256.New()
	for _, name := range files {
		io.WriteString(h, name)
		h.Write([]byte{0})
		data, err := os.ReadFile(name)
		if err != nil {
			io.WriteString(h, "unreadable: "+err.Error())
		}
		h.Write(data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
