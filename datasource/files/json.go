package files

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/datasource/jsontable"
)

// ReadJSONTable reads the JSON file at path (see Dirs.Open), JSON lines or
// a JSON array of objects, into a table whose schema is inferred from
// every row, as package jsontable describes.
func (d *Dirs) ReadJSONTable(ctx context.Context, path string, mem memory.Allocator) (*arrowbridge.Table, error) {
	f, err := d.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsontable.Decode(ctx, f, jsontable.Options{Lines: true, Source: path, Mem: mem})
}
