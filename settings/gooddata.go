package settings

// GoodDataConfig is [flexfun.gooddata]: how scripts' GoodData helpers
// read the execution context.
type GoodDataConfig struct {
	// FiscalYearStartMonth (fiscal_year_start_month, 1-12) is the month
	// fiscal years start in, for FISCAL_* date filters. GoodData's context
	// does not carry it.
	FiscalYearStartMonth int
	// MaxMessageBytes (max_message_bytes) bounds the data-source messages
	// (ctx.add_message) of one result: a size, see ParseSize.
	MaxMessageBytes int64
}

// Keys and defaults of [flexfun.gooddata].
var goodDataKeys = []string{"fiscal_year_start_month", "max_message_bytes"}

const defaultMaxMessageBytes = 16 << 10

// goodData decodes [flexfun.gooddata].
func (d *decoder) goodData() GoodDataConfig {
	s := d.nested("gooddata", goodDataKeys)
	return GoodDataConfig{
		FiscalYearStartMonth: int(s.integer("fiscal_year_start_month", 1, 1, 12, "a month number from 1 to 12")),
		MaxMessageBytes:      s.size("max_message_bytes", defaultMaxMessageBytes),
	}
}
