// A GoodData-aware dataset: the report's date filters and region filter
// select the rows (pushed into the data as a real source would push them
// into its query), and a data-source message tells GoodData what was done.
// Try it: flexfun-script call scripts/examples/sales_report.js --params "$(cat scripts/examples/contexts/sales-report.json)"
const name = "SalesReportJs";
const metadata = {description: "Daily revenue by region, filtered by GoodData's execution context"};
const schema = {region: "string", day: "date32", revenue: "decimal128(18, 2)"};

// Which column each GoodData label or date dataset is.
const labels = {"region.name": "region", "order_date": "day"};

function sales() {
  const regions = ["Europe", "Asia", "America"];
  const rows = [];
  for (let i = 0; i < 120; i++) {
    const day = new Date(Date.UTC(2024, 0, 1 + i));
    const cents = String(i % 100).padStart(2, "0");
    rows.push({region: regions[i % 3], day, revenue: `${100 + ((i * 7) % 300)}.${cents}`});
  }
  return rows;
}

const SALES = sales();

function call(parameters, columns, headers, ctx) {
  const e = ctx.execution;
  if (e === null) {
    return SALES; // a plain Flight client: everything
  }
  const region = e.attribute_filter("region.name");
  const span = e.date_range_iso("order_date");
  const rows = SALES.filter((row) => e.matches(row));
  ctx.add_message("info", {data: {
    rows: rows.length,
    from: span ? span[0] : null,
    to: span ? span[1] : null,
    regions: region ? region.values : null,
  }});
  return rows;
}
