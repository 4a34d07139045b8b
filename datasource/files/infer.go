package files

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// A kindSet records the kinds of CSV values a column held, as bits.
type kindSet uint8

const (
	kInt    kindSet = 1 << iota // an int64
	kFloat                      // a float64 with at least one digit
	kBool                       // true or false, in lower, title or upper case
	kDate                       // YYYY-MM-DD
	kTime                       // an ISO-8601 time without a zone
	kTimeTZ                     // an ISO-8601 time with a zone offset or Z
	kString                     // anything else
)

// add records the kind of the non-null value v.
func (k *kindSet) add(v string) {
	// A column already known to be text needs no more checks.
	if *k&kString != 0 {
		return
	}
	*k |= kindOf(v)
}

// kindOf classifies one value. Each kind is one that arrow-go's CSV reader
// parses for the type it maps to (see typeName).
func kindOf(v string) kindSet {
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return kInt
	}
	if strings.ContainsAny(v, "0123456789") {
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return kFloat
		}
	}
	switch v {
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return kBool
	}
	if len(v) == len("2006-01-02") {
		if _, err := time.Parse("2006-01-02", v); err == nil {
			return kDate
		}
	}
	if len(v) >= len("2006-01-02T15") && v[4] == '-' {
		if _, zoned, err := arrow.TimestampFromStringInLocation(v, arrow.Microsecond, time.UTC); err == nil {
			if zoned {
				return kTimeTZ
			}
			return kTime
		}
	}
	return kString
}

// typeName returns the contract type for the kinds seen:
//
//	only integers                 int64
//	integers and decimals         float64
//	only booleans                 bool
//	only dates                    date32
//	dates and times without zone  timestamp[us]
//	only times with a zone        timestamp[us, tz=UTC]
//	nothing (all null) or a mix   string
func (k kindSet) typeName() string {
	switch k {
	case kInt:
		return "int64"
	case kFloat, kInt | kFloat:
		return "float64"
	case kBool:
		return "bool"
	case kDate:
		return "date32"
	case kTime, kDate | kTime:
		return "timestamp[us]"
	case kTimeTZ:
		return "timestamp[us, tz=UTC]"
	}
	return "string"
}
